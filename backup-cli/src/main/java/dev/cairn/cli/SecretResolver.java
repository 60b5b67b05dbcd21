package dev.cairn.cli;

import dev.cairn.Secret;

import java.io.IOException;
import java.util.Map;

/**
 * A secret store the configuration file can reference: {@code ${vault:secret/data/cairn#password}}
 * is resolved by the resolver whose {@link #scheme()} is {@code vault}, given the text after the
 * colon. {@code env} and {@code file} are built in and cannot be replaced.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}: put a jar on the class path
 * (next to {@code cairn.jar}, with {@code java -cp cairn.jar:vault-resolver.jar dev.cairn.cli.Main})
 * that lists the class in {@code META-INF/services/dev.cairn.cli.SecretResolver}. Two resolvers of
 * one scheme fail at start-up. A resolver is created once per run and called from one thread at a
 * time; it needs a public no-argument constructor.
 *
 * <p>Contract: never print or log the secret; never put it into an exception message. Take the
 * store's own credentials (a token, a role) from {@code environment} or a file, not from the
 * reference. Throw {@link IllegalArgumentException} for a malformed reference (the CLI reports it
 * with the configuration line, exit 2) and {@link IOException} when the store cannot be reached or
 * has no such secret (exit 2 too, with the store's message).
 */
public interface SecretResolver {
    /** The reference scheme this resolver serves, lower case: {@code vault}, {@code pass}, {@code op}. */
    String scheme();

    /**
     * Resolves one reference.
     *
     * @param reference   what follows {@code scheme:} inside {@code ${…}}, e.g. {@code secret/data/cairn#password}
     * @param environment the environment the CLI runs with (its only view of it)
     * @return the secret; never null or empty
     */
    Secret resolve(String reference, Map<String, String> environment) throws IOException;
}
