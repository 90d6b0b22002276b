"""`zhili serve`: the clerks' and auditors' web pages and the HTTP API, over the same projections and events.

One job: show what projections and the event log say, in Chinese pages and JSON, and take
the only two writes there are (an upload into a county's intake, a clerk's correction).
Depends on `events`, `projections`, `domain` and `ingest`'s intake entry point; nothing
imports it.

    reads     the one adapter to projections and the log (clocks, masking, corrections)
    uploads   an upload takes the watcher's path: stored by SHA-256, claimed, read
    auth      roles by bearer token (clerk, auditor, downstream)
    api       the JSON API under /api
    pages     the server-rendered pages (templates/, static/)
    app       builds the application; `zhili serve` runs it with uvicorn
"""
