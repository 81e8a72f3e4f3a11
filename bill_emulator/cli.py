"""`bill-emulator serve`: a BILL v3 API on a loopback port."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from pathlib import Path

from bill_emulator.conform.arguments import add_arguments as add_conform_arguments
from bill_emulator.settings import Deviations, EmulatorSettings, Faults, Limits, Webhooks

_FAULTS = {
    "error": "error_rate",
    "reset": "reset_rate",
    "slow": "slow_rate",
    "truncated": "truncated_rate",
    "non-json": "non_json_rate",
    "html": "html_rate",
    "throttle": "throttle_rate",
    "expire-every": "expire_session_every",
    "slow-seconds": "slow_seconds",
}


def _fault(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    if name not in _FAULTS or not value:
        raise argparse.ArgumentTypeError(f"--fault takes NAME=VALUE with NAME one of {', '.join(_FAULTS)}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--fault {name} needs a number, got {value!r}") from None


def _delays(text: str) -> tuple[float, ...]:
    """Seconds before each retry of a failed webhook delivery, comma-separated ("" = no retries)."""
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--webhook-retry-delays takes seconds like 2,4,8,16, got {text!r}"
        ) from None
    if any(delay < 0 for delay in delays):
        raise argparse.ArgumentTypeError("--webhook-retry-delays must not be negative")
    return delays


_DEVIATIONS = {f.name: f.default for f in dataclasses.fields(Deviations)}
_TRUE, _FALSE = {"", "1", "true", "on", "yes"}, {"0", "false", "off", "no"}


def _deviation(text: str) -> tuple[str, bool | int]:
    """NAME turns a yes/no knob on (NAME=false turns it off); NAME=N sets a counting knob."""
    name, has_value, value = text.partition("=")
    if name not in _DEVIATIONS:
        raise argparse.ArgumentTypeError(
            f"unknown deviation {name!r}: --deviation takes NAME[=VALUE] with NAME one of {', '.join(_DEVIATIONS)}"
        )
    if isinstance(_DEVIATIONS[name], bool):
        if value.lower() in _TRUE | _FALSE:
            return name, value.lower() in _TRUE
        raise argparse.ArgumentTypeError(f"--deviation {name} takes no value or true/false, got {value!r}")
    if has_value and value.isdigit():
        return name, int(value)
    raise argparse.ArgumentTypeError(f"--deviation {name} needs {name}=N with N a whole number, got {text!r}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bill-emulator", description="An offline BILL v3 API server.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    serve.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    serve.add_argument("--seed", type=int, default=7, help="data seed (default 7)")
    serve.add_argument(
        "--scale", default="small", help="tiny | small | medium | large | <number of invoices>"
    )
    serve.add_argument(
        "--organizations",
        type=int,
        default=EmulatorSettings().organizations,
        metavar="N",
        help="organizations the main user signs in to: the main one and N-1 client organizations of an"
        " Accountant Console (default 2)",
    )
    serve.add_argument(
        "--org-scale",
        default=str(EmulatorSettings().org_scale),
        help="invoices in each organization but the main one: tiny | small | medium | large | <number>"
        " (default 40)",
    )
    serve.add_argument("--db", default=None, help="SQLite file to keep data in (default: in memory)")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="added latency per request")
    serve.add_argument("--jitter-ms", type=float, default=0.0, help="random +/- latency per request")
    serve.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"inject faults; NAME one of {', '.join(_FAULTS)} (rates 0-1)",
    )
    serve.add_argument(
        "--deviation",
        type=_deviation,
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="answer lists like a BILL that deviates from its documents; NAME one of "
        + ", ".join(
            f"{name}=N" if not isinstance(default, bool) else name for name, default in _DEVIATIONS.items()
        ),
    )
    serve.add_argument(
        "--limit-status", type=int, default=429, help="HTTP status of limit errors (429 or 422)"
    )
    serve.add_argument(
        "--no-limits", action="store_true", help="switch BILL's rate and concurrency limits off"
    )
    serve.add_argument("--window-scale", type=float, default=1.0, help="shrink the hour/minute limit windows")
    serve.add_argument(
        "--session-idle-seconds", type=float, default=35 * 60, help="session inactivity timeout"
    )
    serve.add_argument(
        "--oauth-token-seconds",
        type=float,
        default=3600,
        help="lifetime of OAuth access tokens from POST /authx/token (default 3600)",
    )
    serve.add_argument(
        "--fake-clock", action="store_true", help="a clock moved only via POST /_emulator/clock"
    )
    serve.add_argument(
        "--webhook-retry-delays",
        type=_delays,
        default=Webhooks().retry_delays,
        metavar="S,S,...",
        help="seconds before each retry of a failed webhook delivery (default BILL's 2,4,8,16); after"
        " the last the subscription is disabled",
    )
    serve.add_argument(
        "--write-configs",
        type=Path,
        default=None,
        metavar="DIR",
        help="write config_ap_ar.json, config_partner.json, config_oauth.json and"
        " config_spend_expense.json to DIR",
    )
    conform = sub.add_parser(
        "conform",
        help="check the emulator's assumptions against the BILL a connector config points at (read-only)",
    )
    add_conform_arguments(conform)
    return p


def settings_from(args: argparse.Namespace) -> EmulatorSettings:
    limits = Limits(limit_status=args.limit_status, window_scale=args.window_scale)
    if args.no_limits:
        limits = Limits(None, None, None, None, args.window_scale, args.limit_status)
    if not args.oauth_token_seconds > 0:
        raise ValueError(f"--oauth-token-seconds must be positive, got {args.oauth_token_seconds:g}")
    faults = Faults()
    for name, value in args.fault:
        attribute = _FAULTS[name]
        setattr(faults, attribute, int(value) if attribute == "expire_session_every" else value)
    deviations = Deviations(**dict(args.deviation))
    if args.organizations < 1:
        raise ValueError(f"--organizations must be at least 1, got {args.organizations}")
    return EmulatorSettings(
        seed=args.seed,
        scale=args.scale,
        organizations=args.organizations,
        org_scale=args.org_scale,
        db_path=args.db,
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        session_idle_seconds=args.session_idle_seconds,
        oauth_token_seconds=args.oauth_token_seconds,
        limits=limits,
        faults=faults,
        deviations=deviations,
        webhooks=Webhooks(retry_delays=args.webhook_retry_delays),
        fake_clock=args.fake_clock,
    )


def main(argv: list[str] | None = None) -> int:
    args, unknown = parser().parse_known_args(argv)
    if args.command == "conform":
        from bill_emulator.conform.runner import run_cli

        return run_cli(args, unknown)
    if unknown:
        parser().error(f"unrecognized arguments: {' '.join(unknown)}")
    from bill_emulator.emulator import Emulator
    from bill_emulator.server import EmulatorServer

    try:
        settings = settings_from(args)
        settings.invoice_count  # noqa: B018 - validates --scale early
        settings.org_invoice_count  # noqa: B018 - and --org-scale
    except ValueError as error:
        print(f"bill-emulator: {error}", file=sys.stderr)
        return 2
    server = EmulatorServer(Emulator(settings))
    print(server.base_url, flush=True)
    if args.write_configs:
        for path in server.write_configs(args.write_configs):
            print(f"wrote {path}", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
