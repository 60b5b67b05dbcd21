package dev.cairn.cli;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.ConfigurationException;
import dev.cairn.Secret;
import dev.cairn.cli.Config.SchedulerConfig;
import dev.cairn.health.HealthMetrics;
import dev.cairn.health.HealthMonitor;
import dev.cairn.health.LogNotifier;
import dev.cairn.health.WebhookNotifier;
import dev.cairn.schedule.BackupScheduler;
import dev.cairn.schedule.JobSpec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code cairn daemon}: runs every job of the configuration file that has a {@code cron:} on its
 * schedule until SIGTERM, alone or as one runner of a cluster sharing a JDBC job store
 * ({@code scheduler.jdbc}). Grades health after each run and every {@code scheduler.health-interval},
 * logs grade changes, posts them to {@code notifications.webhook}, and serves Prometheus metrics on
 * {@code --metrics-port}. On SIGTERM it stops firing and waits for running jobs up to
 * {@code scheduler.shutdown-timeout}. Jobs run through the same core runner as {@code cairn run}.
 */
@Command(name = "daemon",
        description = {"Run the file's jobs on their cron schedules until SIGTERM.", "",
                "Jobs with `cron:` run on it; a job that finds the repository locked, fails or times out is "
                        + "recorded and graded. With scheduler.jdbc (MariaDB/MySQL or PostgreSQL), several daemons "
                        + "share one schedule: each firing runs once, and the others take over a daemon that dies. "
                        + "See docs/operations.md.", "",
                "  scheduler:",
                "    instance-id: backup-1",
                "    jdbc:",
                "      url: jdbc:mariadb://db1:3306/cairn",
                "      user: cairn",
                "      password: $${env:CAIRN_DB_PASSWORD}",
                "  notifications:",
                "    webhook:",
                "      url: https://hooks.example/cairn",
                "      token: $${file:/etc/cairn/hook.token}", "",
                "  cairn daemon --config /etc/cairn/cairn.yaml --metrics-port 9464",
                "  cairn daemon --config /etc/cairn/cairn.yaml --init-schema", ""})
final class DaemonCommand extends RepoCommand {
    @Option(names = "--init-schema",
            description = "Create the job store's tables in scheduler.jdbc's database if they are missing (Quartz's "
                    + "own DDL; existing tables are kept), then exit.")
    boolean initSchema;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics (0: any free port).")
    Integer metricsPort;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "The address the metrics endpoint listens on (default: all).")
    String metricsBind;

    /** For tests and smoke checks: stop by itself after this long, as on SIGTERM. */
    @Option(names = "--run-for", paramLabel = "DURATION", hidden = true)
    String runFor;

    @Override
    public Integer call() throws Exception {
        if (root().repo != null) {
            throw new ConfigurationException("--repo does not apply to daemon: each job uses the repository it names "
                    + "in the configuration file.");
        }
        Config c = root().config();
        if (c.file == null) {
            throw new ConfigurationException("No configuration file: pass --config FILE (or put it at ./cairn.yaml or "
                    + "/etc/cairn/cairn.yaml). `cairn daemon --help` shows an example.");
        }
        SchedulerConfig sc = c.root.scheduler != null ? c.root.scheduler : new SchedulerConfig();
        if (initSchema) {
            return initSchema(sc);
        }
        if (root().standalone && !verbose() && System.getProperty("org.slf4j.simpleLogger.log.dev.cairn") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.dev.cairn", "info"); // job outcomes and grade changes
        }
        List<JobSpec> jobs = new ArrayList<>();
        for (var e : c.root.jobs.entrySet()) {
            if (e.getValue().cron != null) {
                jobs.add(Jobs.spec(root(), e.getKey(), true));
            }
        }
        if (jobs.isEmpty()) {
            throw new ConfigurationException(c.where(0) + ": no job has a schedule: add `cron: \"0 30 2 * * ?\"` "
                    + "(seconds minutes hours day-of-month month day-of-week) to the jobs the daemon should run.");
        }
        List<AutoCloseable> toClose = new ArrayList<>();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HealthMetrics metrics = new HealthMetrics(registry);
        HealthMonitor.Builder hb = HealthMonitor.builder().objectives(Values.objectives(c.root.objectives))
                .notifier(new LogNotifier()).reportListener(metrics);
        jobs.forEach(hb::job);
        if (c.root.notifications != null && c.root.notifications.webhook != null) {
            Config.WebhookConfig w = c.root.notifications.webhook;
            WebhookNotifier.Builder wb = usage(() -> WebhookNotifier.builder(Values.uri(root().secrets().text(w.url))));
            if (w.token != null) {
                wb.token(root().secrets().resolve(w.token));
            }
            if (w.attempts != null) {
                wb.retries(w.attempts, Duration.ofSeconds(1));
            }
            WebhookNotifier webhook = wb.build();
            toClose.add(webhook);
            hb.notifier(webhook);
        }
        HealthMonitor monitor = hb.build();
        BackupScheduler.Builder sb = BackupScheduler.builder().jobs(jobs).listener(metrics).listener(monitor);
        Secret dbPassword = null;
        usage(() -> {
            if (sc.name != null) {
                sb.schedulerName(sc.name);
            }
            if (sc.instanceId != null) {
                sb.instanceId(sc.instanceId);
            }
            if (sc.threads != null) {
                sb.threads(sc.threads);
            }
            if (sc.misfireThreshold != null) {
                sb.misfireThreshold(Values.duration(sc.misfireThreshold));
            }
            if (sc.clusterCheckinInterval != null) {
                sb.clusterCheckinInterval(Values.duration(sc.clusterCheckinInterval));
            }
            if (sc.shutdownTimeout != null) {
                sb.shutdownTimeout(Values.duration(sc.shutdownTimeout));
            }
            return sb;
        });
        if (sc.jdbc != null) {
            dbPassword = sc.jdbc.password == null ? null : root().secrets().resolve(sc.jdbc.password);
            Secret pw = dbPassword;
            usage(() -> sb.jdbc(sc.jdbc.url, sc.jdbc.user, pw));
            if (sc.jdbc.tablePrefix != null) {
                sb.tablePrefix(sc.jdbc.tablePrefix);
            }
            sb.createTables(Boolean.TRUE.equals(sc.jdbc.createTables));
        }
        BackupScheduler scheduler;
        try {
            scheduler = sb.build();
        } catch (IllegalStateException e) {
            throw new ConfigurationException("Cannot start the scheduler" + (sc.jdbc == null ? "" : " on "
                    + sc.jdbc.url) + ": " + e.getMessage(), e);
        } finally {
            if (dbPassword != null) {
                dbPassword.clear();
            }
        }
        HttpServer http = null;
        if (metricsPort != null) {
            http = HttpServer.create(new InetSocketAddress(metricsBind, metricsPort), 0);
            http.createContext("/metrics", ex -> {
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            });
            http.start();
        }
        Duration healthEvery = sc.healthInterval == null ? Duration.ofMinutes(5) : Values.duration(sc.healthInterval);
        ScheduledExecutorService health = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-health");
            t.setDaemon(true);
            return t;
        });
        CountDownLatch stopped = new CountDownLatch(1);
        HttpServer server = http;
        Runnable stop = () -> {
            health.shutdownNow();
            boolean clean = scheduler.shutdown(sc.shutdownTimeout == null ? Duration.ofMinutes(5)
                    : Values.duration(sc.shutdownTimeout));
            if (server != null) {
                server.stop(0);
            }
            for (AutoCloseable a : toClose) {
                try {
                    a.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
            say("cairn daemon: stopped" + (clean ? "." : "; jobs still running were cancelled."));
            out().flush();
            stopped.countDown();
        };
        Thread hook = new Thread(stop, "cairn-daemon-stop");
        if (root().standalone) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        scheduler.start();
        health.scheduleWithFixedDelay(() -> {
            try {
                monitor.check();
            } catch (RuntimeException e) {
                err().println("warning: health check failed: " + e.getMessage());
            }
        }, 0, healthEvery.toMillis(), TimeUnit.MILLISECONDS);
        say("cairn daemon: instance " + scheduler.instanceId() + ", " + jobs.size() + " job(s): "
                + String.join(", ", jobs.stream().map(j -> j.name() + " (" + j.schedule().orElseThrow().expression()
                + ")").toList()) + (sc.jdbc == null ? "; schedule in memory" : "; clustered on " + sc.jdbc.url)
                + (server == null ? "" : "; metrics on http://" + metricsBind + ":" + server.getAddress().getPort()
                + "/metrics"));
        out().flush();
        if (runFor != null) {
            if (!stopped.await(Values.duration(runFor).toMillis(), TimeUnit.MILLISECONDS)) {
                if (root().standalone) {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                stop.run();
            }
        }
        stopped.await();
        return Main.OK;
    }

    private int initSchema(SchedulerConfig sc) {
        if (sc.jdbc == null) {
            throw new ConfigurationException(root().config().where(sc.line) + ": --init-schema needs scheduler.jdbc "
                    + "(url, user, password reference) in the configuration file.");
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(sc.jdbc.url);
        hc.setUsername(sc.jdbc.user);
        hc.setMaximumPoolSize(1);
        hc.setPoolName("cairn-init-schema");
        if (sc.jdbc.password != null) {
            hc.setPassword(root().secrets().text(sc.jdbc.password));
        }
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            String prefix = sc.jdbc.tablePrefix != null ? sc.jdbc.tablePrefix : BackupScheduler.DEFAULT_TABLE_PREFIX;
            boolean created = BackupScheduler.createTables(ds, prefix);
            say(created ? "Created the job store's tables (" + prefix + "*) in " + sc.jdbc.url + "."
                    : "The job store's tables (" + prefix + "*) already exist in " + sc.jdbc.url + "; nothing changed.");
            return Main.OK;
        } catch (RuntimeException e) {
            throw new dev.cairn.BackupException(dev.cairn.ErrorCode.FAILED, "Cannot create the job store's tables in "
                    + sc.jdbc.url + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

}
