package dev.cairn.s3;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the HTTP requests a client actually sends (every attempt, retries included), by S3
 * operation ({@code GetObject}, {@code HeadObject}, {@code ListObjectsV2}…) and by HTTP method.
 * Installed on the client under test through its builder's interceptor hook; thread-safe.
 */
final class RequestCounter implements ExecutionInterceptor {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        counts.computeIfAbsent(String.valueOf(op), k -> new AtomicLong()).incrementAndGet();
        counts.computeIfAbsent("http " + context.httpRequest().method(), k -> new AtomicLong()).incrementAndGet();
    }

    /** Requests sent for {@code operation} (e.g. "GetObject") or for "http GET"-style method keys. */
    long count(String key) {
        AtomicLong n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    /** All counts so far, sorted. */
    Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    void reset() {
        counts.clear();
    }
}
