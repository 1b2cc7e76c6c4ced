import json
import logging

from aitickets.logs import JsonFormatter


def test_json_lines_carry_message_level_and_extras() -> None:
    record = logging.LogRecord(
        "aitickets.web", logging.WARNING, __file__, 1, "slow %s", ("scan",), None
    )
    record.ticket_id = 42
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "slow scan"
    assert line["level"] == "warning" and line["logger"] == "aitickets.web"
    assert line["ticket_id"] == 42
