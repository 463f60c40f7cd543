"""The public doors over HTTP: each module parses requests and answers them.

- pages.py: the home page, the meeting lists (all, a format's, a country's), a meeting;
- calendar.py: the month grid;
- changes.py: /changes/ and its Atom feed;
- feeds.py: the iCal feed and single-meeting files (documents built by meetings.feeds);
- rsvp.py: a delegation's answer through its signed link.
- shared.py: the feed links and days that pages and the calendar both show.

Anonymous reads of pages and feeds are served by meetings.caching while the calendar is
unchanged.
"""
