package dev.cairn.health;

import dev.cairn.schedule.JobListener;
import dev.cairn.schedule.JobResult;
import dev.cairn.schedule.JobRun;
import dev.cairn.schedule.JobSpec;
import dev.cairn.schedule.RunOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Micrometer metrics of job runs and health grades. Needs {@code io.micrometer:micrometer-core} on the
 * class path (an optional dependency of backup-core: only this class uses it). Register it as a
 * {@link JobListener} (runs) and as a {@link HealthMonitor} report listener (grades). Thread-safe.
 *
 * <ul>
 * <li>{@code cairn.job.last.success} (seconds since the epoch), {@code cairn.job.last.duration} (seconds),
 *     {@code cairn.job.last.bytes.added}, {@code cairn.job.last.dedup.ratio} (the share of the bytes read
 *     that were already stored, 0..1), {@code cairn.job.runs} (counter, tag {@code outcome}); tags {@code job},
 *     {@code kind}, {@code repository}.</li>
 * <li>{@code cairn.health.grade} (0 OK, 1 WARNING, 2 HIGH, 3 DISASTER); tags {@code kind}
 *     (job/source/repository), {@code name}, {@code repository}.</li>
 * </ul>
 */
public final class HealthMetrics implements JobListener, Consumer<HealthReport> {
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();

    public HealthMetrics(MeterRegistry registry) {
        this.registry = java.util.Objects.requireNonNull(registry, "registry");
    }

    private AtomicLong gauge(String name, Tags tags, String description, double scale) {
        return values.computeIfAbsent(name + tags, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(name, v, x -> x.get() / scale).tags(tags).description(description).register(registry);
            return v;
        });
    }

    @Override
    public void finished(JobSpec job, JobResult result) {
        JobRun r = result.run();
        Tags tags = Tags.of("job", r.job(), "kind", r.kind().id(), "repository", r.repository());
        Counter.builder("cairn.job.runs").tags(tags).tag("outcome", r.outcome().name())
                .description("Job runs by outcome").register(registry).increment();
        if (r.outcome() != RunOutcome.FAILED) {
            gauge("cairn.job.last.success", tags, "When the job last succeeded (epoch seconds)", 1000.0)
                    .set(r.end().toEpochMilli());
        }
        gauge("cairn.job.last.duration", tags, "How long the last run took (seconds)", 1000.0)
                .set(r.duration().toMillis());
        if (r.kind() == dev.cairn.schedule.JobKind.BACKUP && r.outcome() != RunOutcome.FAILED) {
            gauge("cairn.job.last.bytes.added", tags, "Bytes the last backup added", 1.0).set(r.bytesAdded());
            double dedup = r.bytesRead() <= 0 ? 1.0 : Math.max(0, 1.0 - (double) r.bytesAdded() / r.bytesRead());
            gauge("cairn.job.last.dedup.ratio", tags, "Share of the bytes read that were already stored", 1e6)
                    .set(Math.round(dedup * 1e6));
        }
    }

    @Override
    public void accept(HealthReport report) {
        for (SubjectHealth s : report.subjects()) {
            gauge("cairn.health.grade", Tags.of("kind", s.kind().id(), "name", s.name(), "repository",
                    s.repository()), "Health grade: 0 OK, 1 WARNING, 2 HIGH, 3 DISASTER", 1.0).set(s.grade().level());
        }
    }
}
