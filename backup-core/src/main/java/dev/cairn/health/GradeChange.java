package dev.cairn.health;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A subject's grade changed (or was first seen other than OK). Immutable.
 *
 * @param previous the grade before; empty on the first evaluation
 */
public record GradeChange(SubjectHealth subject, Optional<Grade> previous, Instant time) {
    public GradeChange {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(time, "time");
    }

    /** Whether the grade got worse. */
    public boolean worse() {
        return subject.grade().compareTo(previous.orElse(Grade.OK)) > 0;
    }

    /** The change as one JSON object (what the webhook sends). */
    public String toJson() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"event\":\"grade-changed\"");
        b.append(",\"kind\":").append(quote(subject.kind().id()));
        b.append(",\"subject\":").append(quote(subject.name()));
        b.append(",\"repository\":").append(quote(subject.repository()));
        b.append(",\"grade\":").append(quote(subject.grade().name()));
        b.append(",\"level\":").append(subject.grade().level());
        b.append(",\"previous\":").append(previous.map(g -> quote(g.name())).orElse("null"));
        b.append(",\"time\":").append(quote(time.toString()));
        b.append(",\"lastSuccess\":").append(subject.lastSuccess().map(t -> quote(t.toString())).orElse("null"));
        b.append(",\"reasons\":[");
        for (int i = 0; i < subject.reasons().size(); i++) {
            b.append(i == 0 ? "" : ",").append(quote(subject.reasons().get(i)));
        }
        return b.append("]}").toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
