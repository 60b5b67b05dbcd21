package dev.cairn.backend;

import java.net.URI;

/**
 * Creates backends for a URI scheme ({@code s3}, …), found through {@link java.util.ServiceLoader}
 * when a repository is given as text. Implementations are stateless and thread-safe.
 */
public interface BackendProvider {
    /** The scheme this provider serves, lower case. */
    String scheme();

    /** Opens a backend for {@code uri}; credentials come from the environment, never the URI. */
    Backend open(URI uri);
}
