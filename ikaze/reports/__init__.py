"""Reports: dashboards, the monthly report and public statistics (issue 16).

This app only reads. Every aggregate is computed in ``figures.py`` from the other apps'
selectors; pages, the API, the monthly PDF and the public statistics all draw from there.
"""
