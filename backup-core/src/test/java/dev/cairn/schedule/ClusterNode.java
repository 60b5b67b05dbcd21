package dev.cairn.schedule;

import dev.cairn.Repository;
import dev.cairn.Secret;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * One runner of the clustering IT, started as a child JVM: a check job firing every second on a shared
 * job store; each run inserts a row (scheduled fire time, instance) into {@code fired}. Arguments: jdbc
 * url, user, repository directory, instance id. The repository password comes from the environment
 * ({@code CLUSTER_REPO_PASSWORD}), never from an argument.
 */
public final class ClusterNode {
    private ClusterNode() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        Path repo = Path.of(args[2]);
        String instance = args[3];
        JobSpec tick = JobSpec.check("tick")
                .repository("shared", () -> Repository.at(repo).password(Secret.fromEnv("CLUSTER_REPO_PASSWORD"))
                        .open())
                .schedule(Schedule.cron("* * * * * ?"))
                .timeout(Duration.ofSeconds(30))
                .build();
        JobListener record = new JobListener() {
            @Override
            public void finished(JobSpec job, JobResult result) {
                try (Connection c = DriverManager.getConnection(url, user, null);
                     PreparedStatement ps = c.prepareStatement(
                             "INSERT INTO fired (scheduled, instance, outcome, at) VALUES (?, ?, ?, ?)")) {
                    ps.setLong(1, result.run().scheduledTime().toEpochMilli());
                    ps.setString(2, instance);
                    ps.setString(3, result.outcome().name());
                    ps.setLong(4, System.currentTimeMillis());
                    ps.executeUpdate();
                } catch (SQLException e) {
                    System.err.println("cannot record firing: " + e);
                }
            }
        };
        BackupScheduler s = BackupScheduler.builder().job(tick).jdbc(url, user, null).instanceId(instance)
                .clusterCheckinInterval(Duration.ofMillis(1000)).threads(2).listener(record)
                .shutdownTimeout(Duration.ofSeconds(5)).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.close();
            stopped.countDown();
        }));
        s.start();
        System.out.println("started " + instance);
        System.out.flush();
        stopped.await();
    }
}
