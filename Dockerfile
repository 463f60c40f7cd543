FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/base.lock

COPY . .
# Production settings refuse a weak key, so collectstatic gets a random throw-away one.
RUN DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=localhost \
    DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --no-input \
 && useradd --system --home /app aseancal && mkdir -p /app/var && chown aseancal /app/var
USER aseancal

EXPOSE 8000
CMD ["gunicorn", "aseancal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
