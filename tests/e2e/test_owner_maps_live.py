"""`owners from map`: the site's own login map, on the real Postfix 3.7, and verify's stand-in for it.

The compile names the map and never reads it (docs/language.md#owners-from-map). Shown here:
- `proxy:` is kept and works: a `proxy:pgsql:` map (a pgsql_table(5) file the site wrote, its rows
  in a throwaway PostgreSQL) answers smtpd through proxymap(8) with the default proxy_read_maps,
  which names $smtpd_sender_login_maps; the compiled guard refuses exactly what the rows say; and
  with a proxy_read_maps that leaves the map out smtpd stops at every connection (MP339, which
  `audit` reports of the booted main.cf too); proxymap reads proxy_read_maps from main.cf, so an
  smtpd service's own `-o` proxy: login map is refused under the default while main.cf's works;
- `verify --owners-map REF=ROWS` stands rows in for a map the sandbox cannot reach (a MySQL one,
  whose client this machine does not even have) and the verdicts follow the rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.audit.run import audit_config
from mailpolicy.cli import cli
from mailpolicy.compiler import compile_policy
from mailpolicy.sandbox import Sandbox
from mailpolicy.sandbox.postgres import PostgresSandbox, database_available
from mailpolicy.verify import sandbox_inputs
from mailpolicy.verify.standins import OUTSIDE_SOURCE

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

SITE_MAP = "/etc/postfix/pgsql/sender-login-maps.cf"
POLICY = """\
hostname mx.example0.com
local domains example0.com
sasl dovecot private/auth
relay only authenticated
owners from map {map}
expect reject anonymous sending as spam@evil.test to victim@gmail.test
"""


def test_a_proxy_pgsql_map_of_the_site_answers_smtpd_through_proxymap(tmp_path: Path) -> None:
    reason = database_available()
    if reason is not None:
        pytest.skip(f"no throwaway PostgreSQL here: {reason}")
    (tmp_path / "site.mailpolicy").write_text(POLICY.format(map=f"proxy:pgsql:{SITE_MAP}"), encoding="utf-8")
    compiled = compile_policy(tmp_path / "site.mailpolicy")
    assert compiled.ok, compiled.diagnostics
    assert compiled.plan.parameter("smtpd_sender_login_maps").value == f"proxy:pgsql:{SITE_MAP}"
    assert [d.code for d in compiled.diagnostics if d.code == "MP334"] == ["MP334"]
    with PostgresSandbox("mail", "postfix") as server:
        server.sql("CREATE TABLE owners (address text, login text);"
                   "INSERT INTO owners VALUES ('jcricket@example0.com', 'jimminey'), ('@example1.com', 'alice')")
        server.grant_reading()
        # The site's own pgsql_table(5) file: the compile never writes or reads it.
        site_file = (f"hosts = inet:127.0.0.1:{server.port}\nuser = postfix\npassword = {server.password}\n"
                     "dbname = mail\nquery = SELECT login FROM owners WHERE address = '%s'\n")
        inputs = sandbox_inputs(compiled, extra_logins=("jimminey", "mallory"))
        with Sandbox(inputs.main_cf, **{**inputs.sandbox_kwargs(), "maps": {SITE_MAP: site_file}}) as box:

            def send(login, sender):
                password = inputs.logins.get(login) if login else None
                return box.try_send(OUTSIDE_SOURCE, login, password, sender, "friend@gmail.test", timeout=10.0)

            own = send("jimminey", "jcricket@example0.com")
            other = send("mallory", "jcricket@example0.com")
            anonymous = send(None, "jcricket@example0.com")
            domain = send("jimminey", "bob@example1.com")
            unowned = send("mallory", "nobody@example2.com")
    assert own.accepted, own
    assert other.code == 553 and "not owned by user mallory" in other.reply, other
    assert anonymous.code == 553 and "not logged in" in anonymous.reply, anonymous
    # `@example1.com` owns every address of the domain (the map's third lookup), for alice only.
    assert domain.code == 553 and "not owned by user jimminey" in domain.reply, domain
    # An address the map holds nothing for has no owner, and a logged-in client owns only what the map
    # gives it: reject_sender_login_mismatch refuses it too (postconf(5)).
    assert unowned.code == 553 and "not owned by user mallory" in unowned.reply, unowned


def test_a_proxy_map_proxy_read_maps_leaves_out_stops_smtpd_as_mp339_says(tmp_path: Path) -> None:
    reason = database_available()
    if reason is not None:
        pytest.skip(f"no throwaway PostgreSQL here: {reason}")
    text = POLICY.format(map=f"proxy:pgsql:{SITE_MAP}")
    (tmp_path / "refused.mailpolicy").write_text(text + "set proxy_read_maps = $virtual_alias_maps\n", encoding="utf-8")
    refused = compile_policy(tmp_path / "refused.mailpolicy")
    assert [d.code for d in refused.diagnostics if d.severity.value == "error"] == ["MP339"]
    (tmp_path / "site.mailpolicy").write_text(text, encoding="utf-8")
    compiled = compile_policy(tmp_path / "site.mailpolicy")
    with PostgresSandbox("mail", "postfix") as server:
        server.grant_reading()
        site_file = (f"hosts = inet:127.0.0.1:{server.port}\nuser = postfix\npassword = {server.password}\n"
                     "dbname = mail\nquery = SELECT login FROM owners WHERE address = '%s'\n")
        inputs = sandbox_inputs(compiled, extra_logins=("jimminey",))
        # The refused policy's main.cf: the compiled one with the `set` line MP339 refuses.
        main_cf = inputs.main_cf + "proxy_read_maps = $virtual_alias_maps\n"
        with Sandbox(main_cf, **{**inputs.sandbox_kwargs(), "maps": {SITE_MAP: site_file}}) as box:
            attempt = box.try_send(OUTSIDE_SOURCE, None, None, "someone@gmail.test", "jcricket@example0.com",
                                   timeout=10.0)
            log = box.wait_log("proxymap service is not configured for table", timeout=5.0)
    assert not attempt.accepted and not attempt.code, attempt  # no greeting: smtpd stopped
    assert "fatal: proxymap service is not configured for table" in log
    # The audit of the very main.cf booted here says so too (checks/proxy_maps.py, one check on both hosts).
    (tmp_path / "deployed").mkdir()
    (tmp_path / "deployed" / "main.cf").write_text(main_cf, encoding="utf-8")
    audited = audit_config(tmp_path / "deployed")
    assert [d.code for d in audited.diagnostics if d.code == "MP339"] == ["MP339"]


def test_a_services_own_proxy_map_is_refused_under_the_default_proxy_read_maps(tmp_path: Path) -> None:
    # The default proxy_read_maps names $smtpd_sender_login_maps, expanded by proxymap from main.cf:
    # a submission `-o smtpd_sender_login_maps=proxy:...` of its own is not approved by it.
    reason = database_available()
    if reason is not None:
        pytest.skip(f"no throwaway PostgreSQL here: {reason}")
    other_map = "/etc/postfix/pgsql/submission-login-maps.cf"
    (tmp_path / "site.mailpolicy").write_text(POLICY.format(map=f"proxy:pgsql:{SITE_MAP}"), encoding="utf-8")
    compiled = compile_policy(tmp_path / "site.mailpolicy")
    assert compiled.ok, compiled.diagnostics
    inputs = sandbox_inputs(compiled, extra_logins=("jimminey",))
    (tmp_path / "deployed").mkdir()
    (tmp_path / "deployed" / "main.cf").write_text(inputs.main_cf, encoding="utf-8")
    (tmp_path / "deployed" / "master.cf").write_text(
        "smtp inet n - n - - smtpd\nsubmission inet n - n - - smtpd\n"
        f"  -o smtpd_sender_login_maps=proxy:pgsql:{other_map}\n", encoding="utf-8")
    audited = [d for d in audit_config(tmp_path / "deployed").diagnostics if d.code == "MP339"]
    assert [d.message.split(":")[0] for d in audited] == ["submission/inet"], audited
    with PostgresSandbox("mail", "postfix") as server:
        server.grant_reading()
        site_file = (f"hosts = inet:127.0.0.1:{server.port}\nuser = postfix\npassword = {server.password}\n"
                     "dbname = mail\nquery = SELECT login FROM owners WHERE address = '%s'\n")
        services = [("smtp", ()), ("submission", (("smtpd_sender_login_maps", f"proxy:pgsql:{other_map}"),))]
        with Sandbox(inputs.main_cf, **{**inputs.sandbox_kwargs(), "services": services,
                                        "maps": {SITE_MAP: site_file, other_map: site_file}}) as box:
            main = box.try_send(OUTSIDE_SOURCE, None, None, "someone@gmail.test", "jcricket@example0.com",
                                timeout=10.0, service="smtp")
            own = box.try_send(OUTSIDE_SOURCE, None, None, "someone@gmail.test", "jcricket@example0.com",
                               timeout=10.0, service="submission")
            log = box.wait_log(f"not configured for table \"pgsql:{other_map}\"", timeout=5.0)
    assert main.code, main  # main.cf's proxy: map is served: smtpd answers
    assert not own.accepted and not own.code, own  # no greeting: the submission smtpd stopped
    assert f"fatal: proxymap service is not configured for table \"pgsql:{other_map}\"" in log, log[-3000:]


def test_verify_stands_rows_in_for_a_map_it_cannot_reach(tmp_path: Path) -> None:
    policy = POLICY.format(map="proxy:mysql:/opt/postfix/conf/sql/mysql_virtual_sender_acl.cf") + (
        "expect accept user jimminey sending as jcricket@example0.com to friend@gmail.test\n"
        "expect reject user mallory sending as jcricket@example0.com to friend@gmail.test\n"
        "expect reject anonymous sending as jcricket@example0.com to jcricket@example0.com\n"
        "expect accept user mallory sending as mallory@example0.com to friend@gmail.test\n"
        "expect reject user mallory sending as nobody@example0.com to friend@gmail.test\n")
    (tmp_path / "site.mailpolicy").write_text(policy, encoding="utf-8")
    (tmp_path / "rows.txt").write_text("jcricket@example0.com jimminey\nmallory@example0.com mallory\n")
    runner = CliRunner()
    refused = runner.invoke(cli, ["verify", str(tmp_path / "site.mailpolicy")])
    assert refused.exit_code == 2
    assert "--owners-map REF=ROWS" in refused.stderr
    wrong = runner.invoke(cli, ["verify", str(tmp_path / "site.mailpolicy"), "--owners-map",
                                f"ldap:/etc/postfix/other.cf={tmp_path / 'rows.txt'}"])
    assert wrong.exit_code == 2 and "no `owners from map` of the policy" in wrong.stderr
    done = runner.invoke(cli, ["verify", str(tmp_path / "site.mailpolicy"), "--owners-map",
                               f"proxy:mysql:/opt/postfix/conf/sql/mysql_virtual_sender_acl.cf={tmp_path / 'rows.txt'}"])
    assert done.exit_code == 0, done.output
    assert "all 6 expectations confirmed" in done.stdout, done.stdout
    assert "not owned by user mallory" in done.stdout and "not logged in" in done.stdout
    assert "the rows given stand in for proxy:mysql:" in done.stdout
