package dev.cairn.cli;

import dev.cairn.Secret;

import java.io.IOException;
import java.util.Map;

/**
 * A {@link SecretResolver} for tests, scheme {@code testvault}: {@code ${testvault:path#key}}
 * returns the value of the environment variable {@code TESTVAULT_<key>}, or fails like an
 * unreachable store when the reference is {@code down#…}.
 */
public final class TestVaultResolver implements SecretResolver {
    @Override
    public String scheme() {
        return "testvault";
    }

    @Override
    public Secret resolve(String reference, Map<String, String> environment) throws IOException {
        int hash = reference.indexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException("expected path#key, got " + reference);
        }
        if (reference.startsWith("down#")) {
            throw new IOException("connection refused");
        }
        String v = environment.get("TESTVAULT_" + reference.substring(hash + 1));
        if (v == null) {
            throw new IOException("no secret at " + reference);
        }
        return Secret.of(v.toCharArray());
    }
}
