package dev.cairn.cli;

import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.Secret;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Base of the subcommands: access to the run's streams, environment and repository. Not thread-safe. */
abstract class RepoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    final CairnCommand root() {
        return (CairnCommand) spec.root().userObject();
    }

    final PrintStream out() {
        return root().out;
    }

    final PrintStream err() {
        return root().err;
    }

    final Map<String, String> env() {
        return root().env;
    }

    final boolean quiet() {
        return root().quiet;
    }

    /** Prints a human line on stdout unless --quiet. */
    final void say(String line) {
        if (!quiet()) {
            out().println(line);
        }
    }

    /** Fails if writing to stdout failed (a PrintStream hides the error: a closed pipe, a full disk). */
    final void checkOut() {
        if (out().checkError()) {
            throw new BackupException(ErrorCode.FAILED, "Cannot write to standard output (closed pipe or full disk?).");
        }
    }

    /** A builder for the repository given by --repo / CAIRN_REPOSITORY. */
    final Repository.Builder builder() {
        return Repository.at(Env.repository(root().repo, env()));
    }

    /** Opens the repository with CAIRN_PASSWORD / CAIRN_PASSWORD_FILE. */
    final Repository open() {
        return open(builder());
    }

    final Repository open(Repository.Builder b) {
        Secret password = Env.password(env());
        try {
            return b.password(password).open();
        } finally {
            password.clear();
        }
    }

    /** Runs a builder call with user input; its IllegalArgumentException is a usage error (exit 2). */
    static <T> T usage(Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage(), e);
        }
    }
}
