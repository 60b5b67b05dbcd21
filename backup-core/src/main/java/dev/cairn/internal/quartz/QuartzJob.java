package dev.cairn.internal.quartz;

import dev.cairn.Cancellation;
import dev.cairn.schedule.JobSpec;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.InterruptableJob;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz job behind every Cairn job: finds the job spec by its key in the scheduler context's
 * {@link Registry} and runs it through the {@link dev.cairn.schedule.JobRunner}. Never two runs of one
 * job at once, in the whole cluster ({@link DisallowConcurrentExecution}: the JDBC store blocks the
 * job's other triggers while one runs). One instance per firing.
 */
@DisallowConcurrentExecution
public final class QuartzJob implements InterruptableJob {
    private static final Logger LOG = LoggerFactory.getLogger(QuartzJob.class);
    private final Cancellation cancellation = new Cancellation();
    private volatile Thread thread;

    public QuartzJob() {
    }

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        String group = context.getJobDetail().getKey().getGroup();
        String name = context.getJobDetail().getKey().getName();
        Registry registry;
        try {
            registry = (Registry) context.getScheduler().getContext().get(Registry.contextKey(group));
        } catch (SchedulerException e) {
            throw new JobExecutionException(e);
        }
        JobSpec spec = registry == null ? null : registry.jobs().get(name);
        if (spec == null) {
            LOG.error("Job {} fired on runner {}, which does not know it: give every runner of the cluster the same "
                    + "jobs (the same cairn.yaml).", name, context.getFireInstanceId());
            return;
        }
        thread = Thread.currentThread();
        try {
            registry.runner().run(spec, context.getScheduledFireTime().toInstant(), cancellation);
        } finally {
            thread = null;
            Thread.interrupted();
        }
    }

    @Override
    public void interrupt() {
        cancellation.cancel();
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
