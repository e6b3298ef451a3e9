"""`outpost watch`: poll, ingest, analyse, cluster, count, check, deliver, until stopped.

One cycle takes the feeds that are due (each on its own interval, with conditional GET; the
settings' and the command's, and those added through the API, read again every cycle),
ingests what is new, analyses it with the models loaded once at start, places it in
stories, reads it against the rules, looks for spikes, sends the plans' notices that are due
(outpost.services.plan_notices), and logs one JSON line. Deliveries run
in their own thread, so a webhook that hangs or fails never holds up the next article.

Every step commits per article, so the process can be killed at any moment: on restart,
ingestion skips what is stored, and each later step takes exactly the articles the one
before finished and it has not. SIGTERM (or Ctrl-C) ends it after the step under way. A rule
file that changes is read again at the next cycle (one with errors is logged, and the rules
stay as they were).

A cycle that fails (the database briefly away, a bug in one step) is logged as one line,
{"event": "cycle-error", "error": "Type: message"}, and the loop goes on: the next cycle
comes after a back-off that doubles while the failure lasts (up to five minutes), so a
permanent failure does not spin. The sender thread backs off the same way.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TextIO

from sqlalchemy import Engine

from outpost.analyze.pipeline import Pipeline
from outpost.config import FeedSource, Settings
from outpost.services.alerts import check_articles, check_spikes, deliver_due
from outpost.services.analysis import analyze_store
from outpost.services.context import SYSTEM_WATCH, Context
from outpost.services.ingest import ingest
from outpost.services.plan_notices import send_due_notices
from outpost.services.rules import checked_rules
from outpost.services.sources import watched_feeds
from outpost.services.stories import cluster_store
from outpost.terminal import dumps
from outpost.warn.delivery import describe
from outpost.warn.rules import RuleError, RuleSet

TICK = 0.25  # seconds between looks at the clock and the stop flag
LONGEST_PAUSE = 300.0  # seconds between tries while a failure lasts, at most
# One analysis and clustering at a time in a process: the watch loop and the API's jobs both
# run them over the whole store, and two at once would take the same articles.
ANALYSING = threading.Lock()


@dataclass(frozen=True)
class Cycle:
    """What one cycle did: the structured line the log gets."""

    cycle: int
    feeds: int
    new: int
    failed: int
    analysed: int
    clustered: int
    alerts_new: int
    alerts_updated: int
    spikes: int
    plan_notices: int  # reminders, overdue and escalated measures sent
    seconds: float


class Watcher:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        feeds: tuple[FeedSource, ...],
        rules: RuleSet,
        pipeline: Pipeline,
        log: TextIO,
        every: float = 5.0,
        *,
        rules_file: Path | None = None,
    ) -> None:
        self.engine, self.settings, self.feeds, self.rules = engine, settings, feeds, rules
        self.pipeline, self.log, self.every = pipeline, log, every
        self.configured = feeds  # the settings' and the command's; the store's are added
        self.rules_file = rules_file  # read again when it changes (the API replaces it)
        self.rules_stamp = _stamp(rules_file)
        self.stop = threading.Event()
        self.due = dict.fromkeys((f.url for f in feeds), 0.0)  # monotonic time of next poll
        self.count = 0
        self.sender = threading.Thread(target=self._deliver_forever, daemon=True)
        self.writing = threading.Lock()  # two threads log: one line at a time
        self.context = Context(engine, settings, SYSTEM_WATCH)

    def run(self, cycles: int | None = None) -> None:
        """Cycles until stopped (or `cycles` of them); each waits for the next due feed, or
        `every` seconds. What is due for delivery at the end is tried once more."""
        self.sender.start()
        failures = 0  # cycles failed in a row
        try:
            while not self.stop.is_set():
                failures = 0 if self._cycle_safely() else failures + 1
                if cycles is not None and self.count >= cycles:
                    break
                if failures:
                    self._sleep_until(time.monotonic() + pause(self.every, failures))
                else:
                    self._sleep_until(min([*self.due.values(), time.monotonic() + self.every]))
        finally:
            self.stop.set()
            self.sender.join(timeout=10)
            self._deliver_once()

    def _cycle_safely(self) -> bool:
        """One cycle; whether it succeeded. No failure of one cycle ends the loop."""
        try:
            self.cycle()
        except Exception as exc:
            self.count += 1
            self._log({"event": "cycle-error", "cycle": self.count, "error": describe(exc)})
            return False
        return True

    def cycle(self) -> Cycle:
        started = time.monotonic()
        self._refresh()
        due = [f for f in self.feeds if self.due[f.url] <= started]
        for feed in due:
            self.due[feed.url] = started + feed.interval
        ingested = ingest(self.engine, self.settings, feeds=[f.url for f in due])
        with ANALYSING:
            analysed = analyze_store(self.engine, pipeline=self.pipeline).articles
            clustered = cluster_store(self.engine)
        now = datetime.now(UTC)
        checked = check_articles(self.engine, self.rules, now)
        spikes = check_spikes(self.engine, self.rules, now)
        notices = send_due_notices(self.context, now, self.rules)
        self.count += 1
        report = Cycle(
            self.count,
            len(due),
            ingested.new + ingested.near_duplicate,
            ingested.failed,
            analysed,
            clustered.articles,
            checked.new,
            checked.updated,
            spikes,
            notices.reminders + notices.overdue + notices.escalated,
            round(time.monotonic() - started, 3),
        )
        self._log({"event": "cycle", **asdict(report)})
        for failure in ingested.failures:
            self._log({"event": "failure", "locator": failure.locator, "reason": failure.reason})
        return report

    def _refresh(self) -> None:
        """The feeds as they are now (those added through the API come and go), and the rules
        again if their file changed; a rule file with errors leaves the rules as they were."""
        self.feeds = watched_feeds(self.engine, self.configured)
        self.due = {f.url: self.due.get(f.url, 0.0) for f in self.feeds}  # a new one: now
        stamp = _stamp(self.rules_file)
        if self.rules_file is None or stamp == self.rules_stamp:
            return
        self.rules_stamp = stamp
        try:
            self.rules = checked_rules(self.rules_file)
        except RuleError as exc:
            self._log({"event": "rules-error", "errors": exc.errors})
            return
        self._log({"event": "rules", "rules": len(self.rules.rules)})

    def _deliver_forever(self) -> None:
        failures = 0
        while not self.stop.wait(pause(TICK * 2, failures)):
            failures = 0 if self._deliver_once() else failures + 1

    def _deliver_once(self) -> bool:
        """Deliver what is due; False when the store could not be read or written."""
        allow = self.settings.fetch.allow_networks
        try:
            result = deliver_due(self.engine, self.rules, datetime.now(UTC), allow=allow)
        except Exception as exc:  # a broken database must not end the sender silently
            self._log({"event": "delivery-error", "error": describe(exc)})
            return False
        if result.sent or result.failed:
            self._log({"event": "delivery", "sent": result.sent, "failing": result.failed})
        return True

    def _sleep_until(self, deadline: float) -> None:
        while not self.stop.is_set() and time.monotonic() < deadline:
            time.sleep(min(TICK, max(deadline - time.monotonic(), 0)))

    def _log(self, fields: dict[str, object]) -> None:
        line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), **fields}
        with self.writing:
            self.log.write(dumps(line, indent=None) + "\n")
            self.log.flush()

    def stop_on_signals(self) -> None:
        def handle(signum: int, frame: FrameType | None) -> None:
            self._log({"event": "stopping", "signal": signal.Signals(signum).name})
            self.stop.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """What tells a changed file: its modification time and size (None: no file)."""
    try:
        found = path.stat() if path is not None else None
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size) if found else None


def pause(base: float, failures: int) -> float:
    """Seconds to wait after `failures` failed tries in a row: `base`, doubling while they
    last, at most LONGEST_PAUSE."""
    return float(min(base * 2 ** min(failures, 16), max(base, LONGEST_PAUSE)))


class Background:
    """The watch loop of `outpost serve`, in a thread: it starts once there is a feed to poll
    (in the settings or added through the API; looked for every `look` seconds), loads the
    models then, and ends when `stop` is called."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        rules: RuleSet,
        log: TextIO,
        every: float = 5.0,
        look: float = 5.0,
    ) -> None:
        self.engine, self.settings, self.rules, self.log = engine, settings, rules, log
        self.every, self.look = every, look
        self.stopping = threading.Event()  # the watcher's own stop flag, once it runs
        self.thread = threading.Thread(target=self._run, name="outpost-watch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to end after the step under way, and wait for it (at most `timeout`)."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        if not self._wait_for_feeds():
            return
        watcher = Watcher(
            self.engine,
            self.settings,
            self.settings.feeds,
            self.rules,
            Pipeline.load(),
            self.log,
            self.every,
            rules_file=self.settings.rules,
        )
        watcher.stop = self.stopping  # one flag: a stop asked while the models loaded holds
        watcher.run()

    def _wait_for_feeds(self) -> bool:
        """Whether there is a feed to poll before a stop is asked."""
        while not self.stopping.is_set():
            try:
                if watched_feeds(self.engine, self.settings.feeds):
                    return True
            except Exception as exc:  # the store briefly away: look again later
                self.log.write(dumps({"event": "watch-error", "error": describe(exc)}) + "\n")
            self.stopping.wait(self.look)
        return False
