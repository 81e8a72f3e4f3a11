"""Run the probes against the BILL a config points at, then against a reference emulator, and judge.

`bill-emulator conform --config CONFIG [--report report.json] [--probes NAME,...]`
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bill_emulator import EmulatorServer, EmulatorSettings, running_emulator
from bill_emulator.conform import probes as registry
from bill_emulator.conform.probe import Observation, Probe, Verdict, judge
from bill_emulator.conform.report import Redactor, Report
from bill_emulator.conform.side import Refused, Side, Skip
from bill_emulator.conform.signin import SignInRefused, sign_in
from bill_emulator.conform.target import (
    PRIVATE_FIELDS,
    SECRET_FIELDS,
    ConfigError,
    Target,
    target_from_config,
)
from bill_emulator.conform.wire import MAX_REQUESTS, BudgetSpent, Transient, Unreachable, Wire


class CannotRun(Exception):
    """Conform cannot start: a bad config or usage, a refused sign-in, no answer (exit 2)."""


def observe(probe: Probe, side: Side) -> Observation:
    """Run one probe on one side; what stops it becomes part of the observation."""
    try:
        return probe.run(side)
    except Skip as why:
        return Observation(skipped=str(why))
    except Refused as refused:
        observation = Observation({"refused": f"{refused.request}: {refused.answer.summary()}"})
        if refused.answer.message:
            observation.notes["message"] = refused.answer.message
        observation.context["refused"] = observation.facts["refused"]
        return observation
    except Transient as error:
        return Observation(skipped=f"{error}: a limit or a server error, run conform again later")
    except BudgetSpent as error:
        return Observation(skipped=str(error))
    except Unreachable as error:
        return Observation(skipped=f"no answer from {side.label} ({error})")


def _verdict(probe: Probe, bill: Observation, emulator: Observation) -> Verdict:
    refused = bill.context.get("refused"), emulator.context.get("refused")
    if any(refused) and not (bill.skipped or emulator.skipped):
        if refused[0] == refused[1]:
            return Verdict(probe, "agree", f"both refused {refused[0]}", bill, emulator)
        detail = f"BILL refused {refused[0]}" if refused[0] else "BILL answered"
        detail += f"; the emulator refused {refused[1]}" if refused[1] else "; the emulator answered"
        return Verdict(probe, "differ", detail, bill, emulator)
    return judge(probe, bill, emulator)


def _signed_in(name: str, target: Target, wire: Wire, subject: str | None = None) -> Side:
    try:
        auth = sign_in(target, wire)
    except Unreachable as error:
        raise CannotRun(f"no answer from {target.shown_root} ({error})") from None
    except SignInRefused as error:
        raise CannotRun(f"signing in to {target.shown_root}: {error}") from None
    return Side(name, target, wire, auth, subject=subject)


@contextlib.contextmanager
def _reference(server: EmulatorServer | None) -> Iterator[EmulatorServer]:
    if server is not None:
        yield server
    else:
        with running_emulator(EmulatorSettings()) as started:
            yield started


def run_conform(
    config: Mapping[str, Any],
    probes: Sequence[str] | None = None,
    *,
    reference: EmulatorServer | None = None,
    budget: int | None = MAX_REQUESTS,
) -> Report:
    """Probe the BILL `config` points at, then a reference emulator (`reference`, or one started with
    default settings), and compare. Raises `CannotRun` for a bad config, a refused sign-in or no answer."""
    try:
        target = target_from_config(config)
        chosen = registry.select(probes, target.family)
    except ConfigError as error:
        raise CannotRun(str(error)) from None
    bill_wire = Wire(budget)
    try:
        bill = _signed_in("bill", target, bill_wire)
        bill_observations = [observe(probe, bill) for probe in chosen]
    finally:
        bill_wire.close()
    with _reference(reference) as server:
        emulator_target = target_from_config(server.config(target.auth_type, console=target.console))
        emulator_wire = Wire(None)
        try:
            emulator = _signed_in("emulator", emulator_target, emulator_wire, subject=bill.subject_name)
            emulator_observations = [observe(probe, emulator) for probe in chosen]
        finally:
            emulator_wire.close()
    verdicts = [
        _verdict(probe, mine, theirs)
        for probe, mine, theirs in zip(chosen, bill_observations, emulator_observations, strict=True)
    ]
    secrets = [*target.secrets, *emulator_target.secrets, bill.auth.secret, emulator.auth.secret]
    return Report(
        auth_type=target.auth_type,
        environment=target.environment,
        target=target.shown_root,
        verdicts=verdicts,
        requests=bill_wire.count,
        emulator_requests=emulator_wire.count,
        budget=budget,
        subject=bill.subject_path,
        redact=Redactor(secrets),
    )


# -- the command line --------------------------------------------------------------------------
def _fail(message: str, redact: Redactor | None = None) -> int:
    text = " ".join(message.split())
    print(f"bill-emulator conform: {redact(text) if redact else text}", file=sys.stderr)
    return 2


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as error:
        raise CannotRun(f"cannot read the config {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise CannotRun(f"the config {path} is not JSON ({type(error).__name__})") from None


def run_cli(args: argparse.Namespace, unknown: Sequence[str] = ()) -> int:
    """`bill-emulator conform`: 0 when nothing differs, 1 when something does, 2 when it cannot run."""
    if unknown:
        return _fail(f"unrecognized arguments: {' '.join(unknown)} (see bill-emulator conform --help)")
    if args.allow_sandbox_writes:
        return _fail(
            "--allow-sandbox-writes is refused: conform has no write probes (every probe is read-only)"
        )
    redact: Redactor | None = None
    try:
        config = _load(args.config)
        if isinstance(config, Mapping) and isinstance(config.get("credentials"), Mapping):
            credentials = config["credentials"]
            redact = Redactor(str(credentials.get(name) or "") for name in SECRET_FIELDS + PRIVATE_FIELDS)
        names = args.probes.split(",") if args.probes is not None else None
        report = run_conform(config, names)
    except CannotRun as error:
        return _fail(str(error), redact)
    print(report.table(), end="")
    if args.report:
        try:
            args.report.write_text(report.to_json())
        except OSError as error:
            return _fail(f"cannot write the report {args.report}: {error.strerror or error}", report.redact)
        print(f"report written to {args.report}")
    return report.exit_code
