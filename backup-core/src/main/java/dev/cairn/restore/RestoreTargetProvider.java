package dev.cairn.restore;

import java.net.URI;
import java.util.Map;

/**
 * Creates restore targets for a URI scheme through {@link java.util.ServiceLoader}
 * ({@code cairn restore latest --target mysql://db2/shop_restored}). Credentials come from
 * {@code env}, never the URI. Stateless and thread-safe.
 */
public interface RestoreTargetProvider {
    String scheme();

    RestoreTarget create(URI uri, Map<String, String> env);
}
