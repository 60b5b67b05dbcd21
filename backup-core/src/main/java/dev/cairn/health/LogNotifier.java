package dev.cairn.health;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs grade changes through SLF4J (logger {@code dev.cairn.health}): worse grades at WARN (ERROR for
 * DISASTER), better ones at INFO. Stateless and thread-safe.
 */
public final class LogNotifier implements GradeNotifier {
    private static final Logger LOG = LoggerFactory.getLogger("dev.cairn.health");

    @Override
    public void gradesChanged(HealthReport report, java.util.List<GradeChange> changes) {
        changes.forEach(this::log);
    }

    private void log(GradeChange c) {
        SubjectHealth s = c.subject();
        String text = s.kind().id() + " " + s.name() + " (repository " + s.repository() + "): "
                + c.previous().map(Grade::name).orElse("new") + " -> " + s.grade()
                + (s.reasons().isEmpty() ? "" : ": " + String.join("; ", s.reasons()));
        if (s.grade() == Grade.DISASTER) {
            LOG.error(text);
        } else if (c.worse()) {
            LOG.warn(text);
        } else {
            LOG.info(text);
        }
    }
}
