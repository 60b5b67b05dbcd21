package dev.cairn.internal.quartz;

import dev.cairn.schedule.JobRunner;
import dev.cairn.schedule.JobSpec;

import java.util.Map;

/**
 * What a firing needs and the job store cannot hold (job specs carry suppliers, not data): kept in the
 * Quartz scheduler's context under {@link #contextKey(String)}. Immutable.
 */
public record Registry(Map<String, JobSpec> jobs, JobRunner runner) {
    public Registry {
        jobs = Map.copyOf(jobs);
    }

    public static String contextKey(String group) {
        return "dev.cairn.schedule.registry." + group;
    }
}
