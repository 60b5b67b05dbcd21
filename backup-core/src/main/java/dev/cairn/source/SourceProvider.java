package dev.cairn.source;

import java.net.URI;
import java.util.Map;

/**
 * Creates sources for a URI scheme ({@code mysql}, {@code mongodb}, {@code s3}), found through
 * {@link java.util.ServiceLoader} when a source is given as text ({@code cairn backup mysql://…}).
 * Credentials never come from the URI: a provider reads them from {@code env} (documented per
 * provider, e.g. {@code CAIRN_MYSQL_PASSWORD_FILE}). Stateless and thread-safe.
 */
public interface SourceProvider {
    /** The scheme served, lower case. */
    String scheme();

    /**
     * Builds a source.
     *
     * @param uri the source, e.g. {@code mysql://backup@db1:3306/shop}
     * @param env the environment (or a configuration's resolved values) to read secrets from
     * @throws IllegalArgumentException naming the bad part of the URI
     */
    Source create(URI uri, Map<String, String> env);
}
