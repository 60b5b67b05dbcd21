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
        return root().quiet();
    }

    final boolean verbose() {
        return root().verbose;
    }

    /** Prints a human line on stdout unless --quiet. */
    final void say(String line) {
        if (!quiet()) {
            out().println(line);
        }
    }

    /** Prints a warning line on stderr (never suppressed). */
    final void warn(String line) {
        err().println("warning: " + Format.printable(line));
    }

    /** Fails if writing to stdout failed (a PrintStream hides the error: a closed pipe, a full disk). */
    final void checkOut() {
        if (out().checkError()) {
            throw new BackupException(ErrorCode.FAILED, "Cannot write to standard output (closed pipe or full disk?).");
        }
    }

    /**
     * The repository to use, with where its password comes from: {@code --repo}, CAIRN_REPOSITORY or
     * the file's {@code repository:}, each either a location or the name of an entry under
     * {@code repositories:} (an entry also matches by its location).
     */
    final Target target() {
        Config c = root().config();
        Setting.Value v = Setting.REPOSITORY.resolve(root().repo, env(), c);
        if (!v.isSet()) {
            throw new ConfigurationException("No repository given: pass --repo LOCATION, set "
                    + Setting.REPOSITORY.variable + ", or set `repository:` in a configuration file (--config FILE"
                    + (c.file == null ? "; none was found at ./cairn.yaml or /etc/cairn/cairn.yaml" : "") + ").");
        }
        Config.RepositoryConfig entry = c.repository(v.value());
        if (entry != null) {
            return new Target(entry.location, c.nameOf(entry), entry.password);
        }
        return new Target(v.value(), null, null);
    }

    /** A repository location; {@code name} and {@code password} are set when it is an entry of the file. */
    record Target(String location, String name, Config.ConfigValue password) {
    }

    /** A builder for the repository given by --repo / CAIRN_REPOSITORY / the file. */
    final Repository.Builder builder() {
        return Repository.at(target().location());
    }

    /** The password: CAIRN_PASSWORD or CAIRN_PASSWORD_FILE, else the file's reference for the repository. */
    final Secret password(Target t) {
        if (Env.hasPassword(env()) || t.password() == null) {
            try {
                return Env.password(env());
            } catch (ConfigurationException e) {
                if (t.name() != null) {
                    throw new ConfigurationException("No password for repository " + t.name() + ": set "
                            + Env.PASSWORD + " or " + Env.PASSWORD_FILE + ", or add a reference to "
                            + root().config().where(0) + ": repositories." + t.name()
                            + ".password: ${file:/etc/cairn/" + t.name() + ".pass} (passwords are never arguments "
                            + "or literals).", e);
                }
                throw e;
            }
        }
        return root().secrets().resolve(t.password());
    }

    /**
     * Whether this command calls {@link #collectKeyMemory} itself once its work begins, rather than
     * {@link #open} at once: a backup, whose work may be nothing (an unchanged re-backup reads no
     * content, allocates little and never fills the old generation).
     */
    boolean defersKeyMemoryCollection() {
        return false;
    }

    /**
     * In a process of its own, when the key derivation ran in Java: its 64 MiB are garbage in the
     * old generation once the repository is open. Collected while little else is live (~25 ms, a
     * full collection of ~7 MB) rather than in the promotion failures and full collections they
     * cause once the work starts (a restore of a dump: 235 ms in its first three collections). The
     * native derivation (the default) leaves nothing on the heap: no collection then.
     */
    static void collectKeyMemory() {
        if (dev.cairn.internal.crypto.Argon2Kdf.usedHeap()) {
            System.gc();
        }
    }

    /** Opens the repository with its password. */
    final Repository open() {
        Target t = target();
        return open(Repository.at(t.location()), t);
    }

    final Repository open(Repository.Builder b) {
        return open(b, target());
    }

    final Repository open(Repository.Builder b, Target t) {
        Secret password = password(t);
        try {
            Repository r = b.password(password).noLock(root().noLock).cacheDirectory(root().cacheDirectory()).open();
            if (root().standalone && !defersKeyMemoryCollection()) {
                collectKeyMemory();
            }
            return r;
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
