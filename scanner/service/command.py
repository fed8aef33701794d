"""``secscan serve``: run the review service, or administer its database.

Imported by ``cli.py`` to register the command; FastAPI, SQLAlchemy and
uvicorn are imported only when the command runs (a ``scan`` never loads them).

Without an administration option it serves HTTP on ``--host``/``--port``
(127.0.0.1:8028).  The administration options act on the same database and
exit: ``--init-admin`` (the first administrator and the unit), ``--add-user``,
``--add-token`` (prints the token once), ``--add-site``, ``--reinspect``
(the sites that are due, for cron) and ``--verify-audit`` (exit 1 when the
hash chain is broken).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

ROLE_CHOICES = ("clerk", "section_head", "secrecy", "leader", "admin")


class ServiceProblem(click.ClickException):
    exit_code = 2


def _config(options: dict[str, Any]) -> Any:
    from scanner.service.config import ServiceConfig, default_data_dir

    return ServiceConfig(
        data_dir=options["data_dir"] or default_data_dir(),
        database_url=options["database_url"] or "",
        max_upload_bytes=options["max_upload_mb"] * 2**20,
        sync_bytes=options["sync_limit_kb"] * 1024,
        jobs=options["jobs"],
        timeout=options["timeout"],
        max_memory_mb=options["max_memory"],
        ocr=not options["no_ocr"],
        cookie_secure=options["cookie_secure"],
        reinspect_every_seconds=options["reinspect_every"],
        allow_hosts=tuple(options["allow_hosts"]),
    )


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"))


def _database(config: Any) -> Any:
    from scanner.service.config import ConfigError
    from scanner.service.db import make_engine, session_factory
    from scanner.service.migrate import upgrade

    try:
        config.prepare()
    except ConfigError as error:
        raise ServiceProblem(str(error)) from error
    engine = make_engine(config.url())
    upgrade(engine)
    return session_factory(engine)


def _unit(db: Any, name: str, *, create: bool) -> Any:
    from sqlalchemy import select

    from scanner.service.db import Unit

    unit = db.execute(select(Unit).where(Unit.name == name)).scalar_one_or_none()
    if unit is None:
        if not create:
            raise ServiceProblem(f"没有单位“{name}”（先用 --init-admin 或 --add-user 创建）")
        unit = Unit(name=name)
        db.add(unit)
        db.flush()
    return unit


def _add_user(sessions: Any, *, username: str, role: str, unit: str, name: str, department: str,
              password: str, first_admin: bool) -> None:
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from scanner.service import audit
    from scanner.service.auth import AuthError, hash_password
    from scanner.service.db import User

    with sessions() as db:
        if first_admin and db.execute(select(User).where(User.role == "admin")).first() is not None:
            raise ServiceProblem("已经有管理员了；请用 --add-user 添加用户")
        try:
            hashed = hash_password(password)
        except AuthError as error:
            raise ServiceProblem(str(error)) from error
        unit_row = _unit(db, unit, create=True)
        db.add(User(username=username, display_name=name or username, password_hash=hashed, role=role,
                    unit_id=unit_row.id, department=department))
        audit.record(db, actor="secscan-cli", action="user_created", unit_id=unit_row.id, username=username, role=role)
        try:
            db.commit()
        except IntegrityError:
            raise ServiceProblem(f"用户名“{username}”已存在") from None


@click.command(name="serve", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8028, show_default=True)
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Uploads, SQLite database and key [default: the user data dir, e.g. ~/.local/share/secscan/service].")
@click.option("--database-url", envvar="SECSCAN_DATABASE_URL",
              help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db [default: SQLite in --data-dir].")
@click.option("--max-upload-mb", type=click.IntRange(1), default=50, show_default=True)
@click.option("--sync-limit-kb", type=click.IntRange(0), default=2048, show_default=True,
              help="Uploads up to this size are answered with their result; larger ones become a job.")
@click.option("-j", "--jobs", type=click.IntRange(1), default=2, show_default=True, help="Scan worker processes.")
@click.option("--timeout", type=click.FloatRange(0), default=60.0, show_default=True, help="Seconds per file.")
@click.option("--max-memory", type=click.IntRange(0), default=1500, show_default=True, help="MB per file and worker.")
@click.option("--no-ocr", is_flag=True, help="Do not read pictures with OCR (they are then review).")
@click.option("--cookie-secure", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="auto: Secure cookies when the request came over https (also via a trusted proxy).")
@click.option("--reinspect-every", type=click.FloatRange(0), default=60.0, show_default=True,
              help="Seconds between looks for sites due for re-inspection (0: no scheduler).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST[:PORT]",
              help="A host the API may fetch a draft from by URL (repeatable; none by default).")
@click.option("--init-admin", "init_admin", metavar="USERNAME", help="Create the first administrator and exit.")
@click.option("--add-user", "add_user", metavar="USERNAME", help="Create a user (with --role, --unit) and exit.")
@click.option("--role", type=click.Choice(ROLE_CHOICES), help="承办人 clerk, 处室负责人 section_head, 保密部门 secrecy, "
              "分管领导 leader, 管理员 admin.")
@click.option("--unit", default="", help="The unit (created when new) of --init-admin/--add-user/--add-token/--add-site.")
@click.option("--name", "display_name", default="", help="The user's real name, as signed on the sheet.")
@click.option("--department", default="", help="The user's department.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--add-token", "add_token", metavar="NAME", help="Create an API token for --unit and print it once.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["scans:write", "scans:read"]),
              help="Token scope (repeatable) [default: both].")
@click.option("--add-site", "add_site", metavar="URL", help="Register a site of --unit for re-inspection.")
@click.option("--interval-hours", type=click.FloatRange(0.01), default=24.0, show_default=True)
@click.option("--max-pages", type=click.IntRange(1), default=200, show_default=True)
@click.option("--reinspect", is_flag=True, help="Re-inspect every site that is due, then exit (for cron).")
@click.option("--verify-audit", is_flag=True, help="Check the audit trail's hash chain; exit 1 if it was altered.")
def serve_command(**options: Any) -> None:
    """Run the review service (HTTP API + reviewers' pages), or administer its database."""
    config = _config(options)
    if options["init_admin"] or options["add_user"]:
        if not options["unit"]:
            raise ServiceProblem("请用 --unit 指定单位")
        role = "admin" if options["init_admin"] else options["role"]
        if role is None:
            raise ServiceProblem("请用 --role 指定角色")
        username = options["init_admin"] or options["add_user"]
        _add_user(_database(config), username=username, role=role, unit=options["unit"],
                  name=options["display_name"], department=options["department"],
                  password=_password(options["password_stdin"]), first_admin=bool(options["init_admin"]))
        click.echo(f"已创建用户 {username}（{role}，{options['unit']}）")
        return
    if options["add_token"]:
        _token(config, options)
        return
    if options["add_site"]:
        from scanner.service.reinspect import register_site

        sessions = _database(config)
        with sessions() as db:
            try:
                site = register_site(db, unit_id=_unit(db, options["unit"], create=False).id, url=options["add_site"],
                                     actor="secscan-cli", interval_hours=options["interval_hours"],
                                     max_pages=options["max_pages"])
            except ValueError as error:
                raise ServiceProblem(str(error)) from error
            db.commit()
            click.echo(f"已登记网站 {site.url}（编号 {site.id}）")
        return
    if options["verify_audit"]:
        from scanner.service.audit import verify

        with _database(config)() as db:
            report = verify(db)
        click.echo(report.text())
        sys.exit(0 if report.ok else 1)
    if options["reinspect"]:
        _reinspect(config)
        return
    _serve(config, options["host"], options["port"])


def _token(config: Any, options: dict[str, Any]) -> None:
    from scanner.service import audit
    from scanner.service.auth import new_api_token

    sessions = _database(config)
    with sessions() as db:
        unit = _unit(db, options["unit"], create=False)
        scopes = tuple(options["scopes"]) or ("scans:write", "scans:read")
        secret = new_api_token(db, name=options["add_token"], unit_id=unit.id, scopes=scopes)
        audit.record(db, actor="secscan-cli", action="token_created", unit_id=unit.id, name=options["add_token"],
                     scopes=list(scopes))
        db.commit()
    click.echo(secret)


def _reinspect(config: Any) -> None:
    from scanner.service.app import build_service
    from scanner.service.reinspect import due_sites, inspect_site

    service = build_service(config)
    try:
        with service.sessions() as db:
            due = [site.id for site in due_sites(db)]
        for site_id in due:
            inspection = inspect_site(service, site_id)
            summary = inspection.summary
            click.echo(f"网站 {site_id}：{inspection.status}，{summary.get('pages', 0)} 页，新增 {summary.get('new', 0)}，"
                       f"变化 {summary.get('changed', 0)}，需审查 {summary.get('flagged', 0)}"
                       + (f"（{summary['error']}）" if summary.get("error") else ""))
        if not due:
            click.echo("没有到期需要复查的网站")
    finally:
        service.runner.stop()


def _serve(config: Any, host: str, port: int) -> None:
    import uvicorn

    from scanner.service.app import create_app

    click.echo(f"secscan 审查服务：http://{host}:{port}/  （数据目录 {config.data_dir}）", err=True)
    # proxy_headers: X-Forwarded-Proto from a proxy on 127.0.0.1 (uvicorn's default trusted address) marks https
    uvicorn.run(create_app(config), host=host, port=port, proxy_headers=True, log_level="info",
                timeout_graceful_shutdown=5)
