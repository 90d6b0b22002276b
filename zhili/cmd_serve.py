"""`zhili serve`: the web pages and the HTTP API (package `web`), run by uvicorn."""
from __future__ import annotations

import ipaddress

import click

from zhili.cmd_intake import docs_for

EXPECTED_ERRORS: tuple = ()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (another than loopback needs --tokens).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--tokens", "tokens_file", metavar="FILE", type=click.Path(dir_okay=False, exists=True),
              help="One `ROLE TOKEN NAME` per line (roles: clerk, auditor, downstream) [else $ZHILI_TOKENS].")
@click.option("--docs", metavar="DIR", envvar="ZHILI_DOCS", help="Document store folder (as for ingest) [env ZHILI_DOCS].")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="OCR worker processes for uploads.")
@click.option("--max-upload-mb", type=click.IntRange(1, 2048), default=50, show_default=True, help="Largest upload taken.")
@click.pass_obj
def serve(ctx, host, port, tokens_file, docs, jobs, max_upload_mb) -> None:
    """Serve the clerks' and auditors' web pages (Chinese) and the JSON API (/api, /openapi.json)."""
    import uvicorn

    from ingest.intake import Settings
    from web.app import create_app
    from web.auth import TokenFileError, Tokens, load_tokens
    from web.uploads import Uploads

    try:
        tokens = Tokens(load_tokens(tokens_file))
    except TokenFileError as exc:
        raise click.UsageError(str(exc)) from None
    if not tokens and not _loopback(host):
        raise click.UsageError(f"refusing to listen on {host} with no tokens: give --tokens FILE or ZHILI_TOKENS")
    store, document_store = ctx.store, docs_for(ctx, docs)
    uploads = Uploads(store, document_store, Settings(move=False, jobs=jobs, max_bytes=max_upload_mb * 1024 * 1024))
    app = create_app(store, document_store, tokens, uploads)
    click.echo(f"zhili serve: http://{host}:{port}/ ({'roles by token' if tokens else 'no tokens: this machine only'})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


COMMANDS = [serve]
