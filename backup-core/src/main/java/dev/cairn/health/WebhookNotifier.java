package dev.cairn.health;

import dev.cairn.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * POSTs the grade changes of each evaluation as one JSON object to a webhook, in the background, one
 * at a time in order:
 * <pre>{@code
 * {"event":"grades-changed","time":"2026-11-25T12:00:00Z","worst":"HIGH",
 *  "changes":[{"event":"grade-changed","kind":"job","subject":"rehearse","repository":"local","grade":"HIGH",
 *              "level":2,"previous":"OK","time":"…","lastSuccess":null,"reasons":["…"]}, …]}
 * }</pre> A failed delivery (an I/O error, 429 or a 5xx answer) is retried with
 * exponential backoff; other 4xx answers are not. An optional bearer token goes in the
 * {@code Authorization} header and never into a log line. Thread-safe; {@link #close()} waits briefly
 * for queued deliveries.
 */
public final class WebhookNotifier implements GradeNotifier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);

    private final URI url;
    private final Secret token;
    private final int attempts;
    private final Duration backoff;
    private final Duration timeout;
    private final HttpClient client;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cairn-webhook");
        t.setDaemon(true);
        return t;
    });

    private WebhookNotifier(Builder b) {
        this.url = b.url;
        this.token = b.token;
        this.attempts = b.attempts;
        this.backoff = b.backoff;
        this.timeout = b.timeout;
        this.client = HttpClient.newBuilder().connectTimeout(b.timeout).build();
    }

    public static Builder builder(URI url) {
        return new Builder(url);
    }

    @Override
    public void gradesChanged(HealthReport report, java.util.List<GradeChange> changes) {
        String body = json(report, changes);
        sender.execute(() -> deliver(body));
    }

    /** The body sent for one evaluation's changes. */
    public static String json(HealthReport report, java.util.List<GradeChange> changes) {
        StringBuilder b = new StringBuilder("{\"event\":\"grades-changed\",\"time\":")
                .append(GradeChange.quote(report.time().toString())).append(",\"worst\":")
                .append(GradeChange.quote(report.worst().name())).append(",\"changes\":[");
        for (int i = 0; i < changes.size(); i++) {
            b.append(i == 0 ? "" : ",").append(changes.get(i).toJson());
        }
        return b.append("]}").toString();
    }

    private void deliver(String body) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            byte[] t = token.utf8();
            try {
                rb.header("Authorization", "Bearer " + new String(t, StandardCharsets.UTF_8));
            } finally {
                java.util.Arrays.fill(t, (byte) 0);
            }
        }
        HttpRequest request = rb.build();
        long wait = backoff.toMillis();
        for (int attempt = 1; attempt <= attempts; attempt++) {
            String problem;
            try {
                HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
                int code = r.statusCode();
                if (code / 100 == 2) {
                    return;
                }
                problem = "HTTP " + code;
                if (code / 100 == 4 && code != 429) {
                    LOG.warn("Webhook {} refused a notification ({}); not retrying.", redacted(), problem);
                    return;
                }
            } catch (IOException e) {
                problem = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (attempt == attempts) {
                LOG.warn("Webhook {} failed {} times ({}); the notification is dropped.", redacted(), attempts, problem);
                return;
            }
            LOG.debug("Webhook {} failed ({}); retrying in {} ms.", redacted(), problem, wait);
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            wait = Math.min(wait * 2, 300_000);
        }
    }

    /** The URL without query or user info (a token may hide there). */
    private String redacted() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + url.getPath();
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(10, TimeUnit.SECONDS)) {
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            sender.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Options; each call validates at once. Not thread-safe. */
    public static final class Builder {
        private final URI url;
        private Secret token;
        private int attempts = 5;
        private Duration backoff = Duration.ofSeconds(1);
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(URI url) {
            Objects.requireNonNull(url, "url");
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new IllegalArgumentException("webhook url must be http or https: " + url.getScheme());
            }
            if (url.getUserInfo() != null) {
                throw new IllegalArgumentException("webhook url must not hold credentials: pass a token");
            }
            this.url = url;
        }

        /** A bearer token for the {@code Authorization} header. */
        public Builder token(Secret t) {
            this.token = Objects.requireNonNull(t, "token");
            return this;
        }

        /** Deliveries tried per notification (default 5), the first wait between them (default 1 s, doubling). */
        public Builder retries(int attempts, Duration firstBackoff) {
            if (attempts < 1 || attempts > 20) {
                throw new IllegalArgumentException("attempts must be 1..20: " + attempts);
            }
            if (firstBackoff == null || firstBackoff.isNegative()) {
                throw new IllegalArgumentException("firstBackoff must not be negative: " + firstBackoff);
            }
            this.attempts = attempts;
            this.backoff = firstBackoff;
            return this;
        }

        public Builder timeout(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive: " + d);
            }
            this.timeout = d;
            return this;
        }

        public WebhookNotifier build() {
            return new WebhookNotifier(this);
        }
    }
}
