"""manage.py generate_population: a synthetic state population (docs/synthetic-population.md)."""

from django.core.management.base import BaseCommand, CommandError

from portal.synthetic import services


class Command(BaseCommand):
    help = ("Generate a synthetic population (offices, DDOs/TOs, families, Aadhaar in the vault, cards) for "
            "demos, load tests and benchmarks. Never in production; never on a database with real families "
            "unless --append.")

    def add_arguments(self, parser):
        size = parser.add_mutually_exclusive_group()
        size.add_argument("--scale", default="demo",
                          help="demo (2,000 families), state (22 lakh families, 75 lakh beneficiaries) or a "
                               "fraction of the state such as 1/20 or 0.05 (default: demo)")
        size.add_argument("--families", type=int, help="exactly this many families")
        parser.add_argument("--offices", type=int, help="DDO offices (default: from the size; ~24,000 at state scale)")
        parser.add_argument("--seed", type=int, default=services.Options.seed,
                            help="random seed: the same seed and size give the same population")
        parser.add_argument("--append", action="store_true",
                            help="allow a database that already has families this command did not make")
        parser.add_argument("--workers", type=int,
                            help="generator processes feeding COPY (PostgreSQL; default 2; 0: in this process)")
        parser.add_argument("--indexes", choices=["auto", "fk", "rebuild", "keep"], default="auto",
                            help="PostgreSQL: what to drop during the load and rebuild after: fk (foreign keys), "
                                 "rebuild (all secondary indexes and constraints) or keep (nothing); auto: rebuild from "
                                 "2 lakh families, never with --append")
        parser.add_argument("--password", default="",
                            help="password of every generated officer (default: none usable; they reset it by OTP)")
        parser.add_argument("--unsigned-cards", action="store_true",
                            help="leave the cards' QR payload empty (faster; such cards cannot be printed or "
                                 "verified until re-signed)")
        parser.add_argument("--no-history", action="store_true",
                            help="do not write the audit events of each registration's moves")
        parser.add_argument("--restore-indexes", action="store_true",
                            help="only repair: rebuild indexes and constraints an interrupted run dropped")

    def handle(self, *args, **options):
        if options["restore_indexes"]:
            rebuilt = services.restore_indexes()
            self.stdout.write(f"rebuilt {len(rebuilt)} indexes and constraints" if rebuilt else "nothing to repair")
            return
        try:
            families = options["families"] or services.scale_families(options["scale"])
        except ValueError:
            raise CommandError("--scale: demo, state, a fraction such as 1/20, or a number of families") from None
        if families < 1:
            raise CommandError("--families must be at least 1")
        opts = services.Options(families=families, seed=options["seed"], append=options["append"],
                                workers=options["workers"], index_mode=options["indexes"],
                                password=options["password"], history=not options["no_history"],
                                sign_cards=not options["unsigned_cards"],
                                offices=options["offices"])
        try:
            report = services.generate_population(options=opts, progress=lambda m: self.stdout.write(m))
        except services.Refused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(format_report(report))


def format_report(report) -> str:
    lines = [f"synthetic run {report.run}: {report.families:,} families on {report.database} "
             f"with {report.workers} generator process(es)", "",
             f"{'table':<22}{'rows':>14}{'write s':>10}{'rows/s':>12}"]
    for key, rows in report.rows.items():
        seconds = report.write_seconds.get(key, 0.0)
        rate = f"{rows / seconds:,.0f}" if seconds > 0 else "-"
        lines.append(f"{key:<22}{rows:>14,}{seconds:>10.1f}{rate:>12}")
    total = report.total_rows
    lines += ["", f"{'total':<22}{total:>14,}{sum(report.write_seconds.values()):>10.1f}"
                  f"{total / report.wall_seconds:>12,.0f}  (rows per second of wall time)",
              f"wall time {report.wall_seconds:,.1f} s ({report.wall_seconds / 60:.1f} min)",
              "phases: " + ", ".join(f"{k} {v}" for k, v in report.phases.items()),
              f"load average before {report.load_before[0]:.2f}, after {report.load_after[0]:.2f}"]
    if report.index_rebuild:
        slowest = sorted(report.index_rebuild, key=lambda t: -t["seconds"])[:5]
        lines.append("slowest rebuilds: " + ", ".join(f"{t['name']} {t['seconds']} s" for t in slowest))
    return "\n".join(lines)
