"""账号管理命令 / The accounts command: python -m coopdash.users

  add NAME --role ROLE [--street CODE]...   添加账号 / add an account
  list                                      列出账号 / list the accounts
  disable NAME | enable NAME                停用、启用账号 / disable, enable an account
  passwd NAME                               重设密码 / set a new password
  remove NAME                               删除账号 / remove an account

密码：标准输入不是终端时读第一行，否则提示输入两次。 The password is the first line of standard input
when it is not a terminal, else it is asked for twice. 账号数据库在 COOP_STATE_DIR（默认 state/）；
街道代码按当前数据集（COOP_DATA_DIR）核对。 The accounts database is in COOP_STATE_DIR (state/ by
default); street codes are checked against the current dataset (COOP_DATA_DIR).

退出码 / exit code: 0 成功 / done, 1 拒绝 / refused (原因以中英文写到标准错误 / reasons on stderr).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import unicodedata

from coopdash.auth.accounts import Accounts, check_user
from coopdash.auth.roles import ROLES
from coopdash.data.errors import CoopError, Refused


def actor() -> str:
    try:
        who = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        who = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return "cli:" + who


def read_password() -> str:
    """The password: the first line of standard input when it is not a terminal, else asked twice."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line[:-1].removesuffix("\r") if line.endswith("\n") else line
    first = getpass.getpass("密码 / password: ")
    second = getpass.getpass("再次输入密码 / password again: ")
    if first != second:
        raise Refused("两次输入的密码不一致", "the two passwords do not match")
    return first


def dataset_streets() -> dict[str, str]:
    """The current dataset's street offices: code → name."""
    from coopdash.data import views  # DuckDB only when street codes are to be checked
    from coopdash.data.settings import data_dir

    con = views.connect(data_dir())
    try:
        return dict(con.execute("SELECT street_code, street_name FROM streets ORDER BY street_code").fetchall())
    finally:
        con.close()


def check_streets(codes: tuple[str, ...]) -> None:
    if not codes:
        return
    known = dataset_streets()
    unknown = [c for c in codes if c not in known]
    if unknown:
        bad = "、".join(unknown)
        valid_zh = "、".join(f"{c}（{n}）" for c, n in known.items()) or "（无）"
        valid_en = ", ".join(f"{c} ({n})" for c, n in known.items()) or "(none)"
        raise Refused(f"当前数据集中没有街道代码：{bad}；可用的代码：{valid_zh}",
                      f"unknown street code: {', '.join(unknown)}; valid codes: {valid_en}")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - width(text))


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(pad(c, w) for c, w in zip(r, widths)).rstrip() for r in rows)


# ------------------------------------------------------------------------------------- commands
def cmd_add(acc: Accounts, args) -> str:
    name, role, codes = check_user(args.name, args.role, args.street)
    if acc.get(name) is not None:
        raise Refused(f"账号已存在：{name}", f"the account already exists: {name}")
    check_streets(codes)
    user = acc.add(name, role, codes, read_password(), actor())
    where = f"，街道 {'、'.join(user.streets)}" if user.streets else ""
    where_en = f", streets {', '.join(user.streets)}" if user.streets else ""
    return f"已添加账号 {user.name}（{ROLES[user.role].zh}{where}） / added account {user.name} ({user.role}{where_en})"


def cmd_list(acc: Accounts, args) -> str:
    users = acc.users()
    if not users:
        return "（没有账号） / (no accounts)"
    rows = [("用户名 / name", "角色 / role", "街道 / streets", "停用 / disabled")]
    rows += [(u.name, f"{ROLES[u.role].zh} ({u.role})", ",".join(u.streets) or "-", "是 / yes" if u.disabled else "-")
             for u in users]
    return table(rows)


def cmd_disable(acc: Accounts, args) -> str:
    acc.set_disabled(args.name, True, actor())
    return f"已停用账号 {args.name}，其登录会话已结束 / disabled account {args.name}; its sessions are ended"


def cmd_enable(acc: Accounts, args) -> str:
    acc.set_disabled(args.name, False, actor())
    return f"已启用账号 {args.name} / enabled account {args.name}"


def cmd_passwd(acc: Accounts, args) -> str:
    if acc.get(args.name) is None:
        raise Refused(f"没有这个账号：{args.name}", f"no such account: {args.name}")
    acc.set_password(args.name, read_password(), actor())
    return f"已重设账号 {args.name} 的密码，其登录会话已结束 / new password for {args.name}; its sessions are ended"


def cmd_remove(acc: Accounts, args) -> str:
    acc.remove(args.name, actor())
    return f"已删除账号 {args.name} / removed account {args.name}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m coopdash.users", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = sub.add_parser("add", help="添加账号 / add an account")
    add.add_argument("name", metavar="NAME", help="用户名 / user name")
    add.add_argument("--role", required=True, metavar="ROLE",
                     help="角色 / role: " + ", ".join(f"{r.name} {r.zh}" for r in ROLES.values()))
    add.add_argument("--street", action="append", default=[], metavar="CODE",
                     help="街道代码，街道账号必填，可重复 / street code, required for role street, repeatable")
    add.set_defaults(run=cmd_add)
    sub.add_parser("list", help="列出账号 / list the accounts").set_defaults(run=cmd_list)
    for name, zh, en, run in (("disable", "停用账号（并结束其会话）", "disable an account (and end its sessions)",
                               cmd_disable),
                              ("enable", "启用账号", "enable an account", cmd_enable),
                              ("passwd", "重设密码", "set a new password", cmd_passwd),
                              ("remove", "删除账号", "remove an account", cmd_remove)):
        s = sub.add_parser(name, help=f"{zh} / {en}")
        s.add_argument("name", metavar="NAME", help="用户名 / user name")
        s.set_defaults(run=run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        out = args.run(Accounts(), args)
    except CoopError as e:
        print(f"拒绝：{e.zh}\nrefused: {e.en}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n已取消 / cancelled", file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
