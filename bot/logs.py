"""Logging as LOG_LEVEL and LOG_FORMAT say: lines for people, or one JSON object per line."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "process": record.process, "thread": record.threadName}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


# Libraries' start-up and routine lines, shown only at LOG_LEVEL=debug: alembic's plugin set-up and
# its migration steps, APScheduler's two lines a minute for each tick. Their warnings still show.
CHATTY = ("alembic", "apscheduler")
# Bolt warns "As you gave `client` as well, `token` will be unused" on every start: we pass the
# client on purpose (metered, pointed at SLACK_API_URL) and Bolt reads SLACK_BOT_TOKEN besides.
BOLT_TOKEN_NOTE = "As you gave `client` as well, `token` will be unused"


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("slack_bolt") and BOLT_TOKEN_NOTE in record.getMessage())


def configure_logging(*, level: str = "INFO", fmt: str = "text") -> None:
    """Raises ValueError for a level or format it does not know. Below DEBUG, the libraries'
    routine lines (CHATTY, Bolt's token note) are left out: a start is one line of ours."""
    if fmt not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT must be text or json, not {fmt!r}")
    number = logging.getLevelName(level.strip().upper())
    if not isinstance(number, int):
        raise ValueError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    debug = number <= logging.DEBUG
    if not debug:
        handler.addFilter(_Quiet())
    logging.basicConfig(level=number, handlers=[handler], force=True)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else max(number, logging.WARNING))
