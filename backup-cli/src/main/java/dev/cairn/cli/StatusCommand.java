package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.Repository;
import dev.cairn.health.Grade;
import dev.cairn.health.Health;
import dev.cairn.health.HealthJob;
import dev.cairn.health.HealthMonitor;
import dev.cairn.health.HealthReport;
import dev.cairn.health.RepositoryState;
import dev.cairn.health.SubjectHealth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code cairn status}: the health grade of every job, source and repository of the configuration
 * file (or of the one repository given by --repo), against the file's {@code objectives:}. Exits 0
 * when nothing is worse than WARNING, 20 when something is HIGH, 21 when something is DISASTER.
 */
@Command(name = "status",
        description = {"Grade jobs, sources and repositories (exit 20 HIGH, 21 DISASTER).", "",
                "OK; WARNING: a late backup, a slow run, a snapshot whose size changed by more than sizeChange; HIGH: "
                        + "the last run failed, the last drill failed, a check found damage; DISASTER: no restorable "
                        + "backup within the RPO, or the repository cannot be opened. Objectives come from the "
                        + "configuration file:", "",
                "  objectives: {rpo: 26h, rto: 30m, sizeChange: 30%%, slowerThan: 2x}", "",
                "  cairn status --config /etc/cairn/cairn.yaml",
                "  cairn status --json", ""})
final class StatusCommand extends RepoCommand {
    /** Exit code when the worst grade is HIGH. */
    static final int EXIT_HIGH = 20;
    /** Exit code when the worst grade is DISASTER. */
    static final int EXIT_DISASTER = 21;

    @Option(names = "--json", description = "Print the grades as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Config c = root().config();
        Clock clock = Clock.systemUTC();
        Instant now = clock.instant();
        List<RepositoryState> states = new ArrayList<>();
        List<HealthJob> jobs = new ArrayList<>();
        if (root().repo != null || c.root.jobs.isEmpty()) {
            Target t = target();
            String name = t.name() != null ? t.name() : t.location();
            states.add(RepositoryState.read(name, () -> open(Repository.at(t.location()), t),
                    now.minus(HealthMonitor.RUN_HISTORY)));
            for (String j : c.root.jobs.keySet()) {
                if (name.equals(Jobs.repositoryName(c, c.job(j)))) {
                    jobs.add(Jobs.expectation(c, j, now));
                }
            }
        } else {
            Set<String> repos = new LinkedHashSet<>();
            for (String j : c.root.jobs.keySet()) {
                jobs.add(Jobs.expectation(c, j, now));
                repos.add(Jobs.repositoryName(c, c.job(j)));
            }
            for (String r : repos) {
                Config.RepositoryConfig e = c.root.repositories.get(r);
                Target t = new Target(e.location, r, e.password);
                // As other commands: CAIRN_PASSWORD(_FILE), else the entry's password reference.
                states.add(RepositoryState.read(r, () -> open(Repository.at(t.location()), t),
                        now.minus(HealthMonitor.RUN_HISTORY)));
            }
        }
        HealthReport report = Health.evaluate(states, jobs, Values.objectives(c.root.objectives), clock);
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("time", report.time().toString());
            n.put("worst", report.worst().name());
            ArrayNode a = n.putArray("subjects");
            for (SubjectHealth s : report.subjects()) {
                ObjectNode o = a.addObject();
                o.put("kind", s.kind().id());
                o.put("name", s.name());
                o.put("repository", s.repository());
                o.put("grade", s.grade().name());
                o.put("level", s.grade().level());
                if (s.lastSuccess().isPresent()) {
                    o.put("lastSuccess", s.lastSuccess().get().toString());
                } else {
                    o.putNull("lastSuccess");
                }
                if (s.age().isPresent()) {
                    o.put("ageSeconds", s.age().get().toSeconds());
                } else {
                    o.putNull("ageSeconds");
                }
                ArrayNode reasons = o.putArray("reasons");
                s.reasons().forEach(reasons::add);
            }
            Json.print(out(), n);
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"KIND", "NAME", "REPOSITORY", "GRADE", "LAST SUCCESS", "AGE", "REASONS"});
            for (SubjectHealth s : report.subjects()) {
                rows.add(new String[] {s.kind().id(), Format.printable(s.name()), Format.printable(s.repository()),
                        s.grade().name(), s.lastSuccess().map(Format::time).orElse("-"),
                        s.age().map(Health::human).orElse("-"),
                        s.reasons().isEmpty() ? "" : Format.printable(String.join("; ", s.reasons()))});
            }
            Format.table(rows).forEach(out()::println);
            say("Overall: " + report.worst().name());
        }
        checkOut();
        return report.worst() == Grade.DISASTER ? EXIT_DISASTER : report.worst() == Grade.HIGH ? EXIT_HIGH : Main.OK;
    }
}
