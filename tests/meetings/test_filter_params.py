"""The shared filter's parameters as pages keep them in links (meetings.filters)."""

from django.http import QueryDict

from meetings.filters import FILTER_PARAMS, code_value, filter_params


def test_filter_params_are_the_filters_own():
    assert FILTER_PARAMS == ("format", "country", "host", "status", "from", "to", "q")


def test_code_value():
    assert [code_value(" kh "), code_value("Amm"), code_value("")] == ["KH", "AMM", ""]


def test_filter_params_drop_blanks_and_others_and_upper_case_codes():
    query = QueryDict(
        "format=amm&format=%20&format=eas%20&country=kh&host=&status=held&q=%20summit%20"
        "&page=2&utm_source=x"
    )

    params = filter_params(query)

    assert list(params.lists()) == [
        ("format", ["AMM", "EAS"]),
        ("country", ["KH"]),
        ("status", ["held"]),
        ("q", ["summit"]),
    ]


def test_filter_params_fixed_values_replace_the_querys():
    params = filter_params(QueryDict("format=eas&from=2030-01-01"), format="AMM", to="2030-01-31")

    assert list(params.lists()) == [
        ("format", ["AMM"]),
        ("from", ["2030-01-01"]),
        ("to", ["2030-01-31"]),
    ]
