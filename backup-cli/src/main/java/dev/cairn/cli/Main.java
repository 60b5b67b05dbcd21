package dev.cairn.cli;

import dev.cairn.BackupException;
import dev.cairn.ErrorCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code cairn} command. {@link #run} is the whole program, callable in-process (tests): it
 * reads the environment only from the map it is given and writes only to the given streams.
 *
 * <p>Exit codes: 0 ok, 1 failed, 2 usage or configuration, 3 partial backup, then
 * {@link ErrorCode#exitCode()} of the failure (10 repository missing … 130 cancelled).
 * An error prints one line, {@code cairn: <message>}, to stderr; {@code --verbose} adds the stack trace.
 */
public final class Main {
    /** Exit code of a successful command. */
    public static final int OK = 0;

    private Main() {
    }

    public static void main(String[] args) {
        prepareProcess();
        // A buffered stdout: dump and export-tar write megabytes through it.
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, Charset.defaultCharset());
        int code = run(args, System.getenv(), out, System.err, System.console() != null, true);
        out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** What a process running cairn sets up first (also {@link CdsTraining}). */
    static void prepareProcess() {
        // zstd's native library from native/ beside cairn.jar (the build puts it there), before the
        // warm-up thread loads it: else zstd-jni copies it (0.9 MiB) out of the jar into the temporary
        // directory in every run, which fails where that directory is noexec, missing or full.
        dev.cairn.internal.util.ZstdLibrary.useBesideClassPathJar();
        // Jackson, Tink, the JCE and the key derivation's memory, while picocli parses: nearly every
        // command opens a repository next.
        dev.cairn.internal.crypto.Warmup.start(true);
        // Heap buffers larger than this go through a temporary direct buffer that the JDK would
        // otherwise keep per thread: 40 MiB of native memory measured on a backup of /usr/share.
        if (System.getProperty("jdk.nio.maxCachedBufferSize") == null) {
            System.setProperty("jdk.nio.maxCachedBufferSize", String.valueOf(dev.cairn.internal.util.Bytes.IO_SLICE));
        }
        // picocli looks for Groovy's Closure class when it first builds a command line: that miss
        // searched the whole class path, reading the central directory of the jar's ~24,000 entries
        // (~20 ms) in every run. Cairn's commands are Java classes.
        if (System.getProperty("picocli.disable.closures") == null) {
            System.setProperty("picocli.disable.closures", "true");
        }
    }

    /**
     * Runs one command as if started with {@code args}, with stdout not a terminal.
     *
     * @param env the environment ({@code CAIRN_REPOSITORY}, {@code CAIRN_PASSWORD}…); never {@link System#getenv()}
     *            unless the caller passes it
     * @return the exit code
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, out, err, false, false);
    }

    /**
     * As {@link #run(String[], Map, PrintStream, PrintStream)}; {@code interactive}: stdout is a terminal;
     * {@code standalone}: this run is the whole process (it may install shutdown hooks).
     */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean interactive,
                   boolean standalone) {
        Objects.requireNonNull(args, "args");
        CairnCommand root = new CairnCommand(Map.copyOf(env), out, err, interactive, standalone);
        CommandLine cl = commandLine(root, args);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            return failure(e, root);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * The command line for a run with {@code args}. Only the subcommand the arguments name is built
     * from its annotations; the others get a stub with their name and description, which is all the
     * top-level help and the typo suggestions need. {@code help} and {@code completion} need every
     * command's options, so they get them all.
     */
    static CommandLine commandLine(CairnCommand root, String[] arguments) {
        CommandLine cl = new CommandLine(root);
        String wanted = commandName(arguments);
        boolean all = "help".equals(wanted) || "completion".equals(wanted);
        // A known command without a help or version option needs no other command, not even a stub:
        // each subcommand added copies the inherited global options, ~40 ms of every run for 22 stubs.
        boolean alone = !all && Arrays.stream(arguments).noneMatch(HELP_OPTIONS::contains)
                && CairnCommand.COMMANDS.stream().anyMatch(c -> c.getAnnotation(Command.class).name().equals(wanted));
        for (Class<?> c : CairnCommand.COMMANDS) {
            Command a = c.getAnnotation(Command.class);
            if (alone && !a.name().equals(wanted)) {
                continue;
            }
            if (all || a.name().equals(wanted)) {
                cl.addSubcommand(a.name(), c);
            } else {
                CommandSpec stub = CommandSpec.create().name(a.name());
                stub.usageMessage().header(a.header()).description(a.description());
                cl.addSubcommand(a.name(), stub);
            }
        }
        cl.setExpandAtFiles(false); // "@name" is a path or tag, never a file of arguments
        cl.setOut(new PrintWriter(root.out, true));
        cl.setErr(new PrintWriter(root.err, true));
        cl.setParameterExceptionHandler((ex, args) -> {
            root.err.println("cairn: " + oneLine(usageMessage(ex)));
            return ErrorCode.CONFIGURATION.exitCode();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(ex, root));
        cl.setExecutionStrategy(parsed -> {
            if (!helpRequested(parsed)) {
                root.settleVerbose();
            }
            if (root.verbose) {
                // Before any logger exists (slf4j-simple reads its level once): the core's debug logs.
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl;
    }

    /** Options after which the usage or version is printed (they need every command listed). */
    private static final java.util.Set<String> HELP_OPTIONS = java.util.Set.of("-h", "--help", "-V", "--version");

    /** The first word of {@code args} that is not an option or an option's value: the command's name, or null. */
    static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (CairnCommand.OPTIONS_WITH_VALUE.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    /** Whether --help or --version was given (help needs no configuration file: it starts fast). */
    private static boolean helpRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()
                    || p.commandSpec().userObject() instanceof CommandLine.HelpCommand) {
                return true;
            }
        }
        return false;
    }

    private static String usageMessage(ParameterException ex) {
        StringBuilder m = new StringBuilder(ex.getMessage());
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            m.append(". Did you mean: ").append(String.join(", ", u.getSuggestions())).append('?');
        }
        String name = ex.getCommandLine().getCommandSpec().qualifiedName();
        m.append(" (see '").append(name).append(" --help')");
        return m.toString();
    }

    /** Prints the one-line error (and with --verbose the stack trace) and returns the exit code. */
    static int failure(Throwable ex, CairnCommand root) {
        int code;
        String message;
        OutOfMemoryError oom = outOfMemory(ex);
        if (oom != null) {
            code = ErrorCode.FAILED.exitCode();
            message = "Out of memory (" + oom.getMessage() + ", at most " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB): the in-memory index takes ~50 bytes per blob of the repository and ~70 per blob a"
                    + " backup adds. Run again with a larger heap, e.g. CAIRN_HEAP=512m (the cairn launcher), or"
                    + " -Xmx512m for java. Nothing stored was lost; a backup's stored data is reused.";
        } else if (ex instanceof BackupException be) {
            code = be.code().exitCode();
            message = be.getMessage();
        } else {
            code = ErrorCode.FAILED.exitCode();
            message = ex.getMessage();
        }
        if (message == null || message.isBlank()) {
            message = ex.getClass().getSimpleName();
        }
        root.err.println("cairn: " + oneLine(message));
        if (root.verbose) {
            ex.printStackTrace(root.err);
        }
        return code;
    }

    /** The OutOfMemoryError in {@code ex}'s causes, or null. */
    private static OutOfMemoryError outOfMemory(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError o) {
                return o;
            }
        }
        return null;
    }

    /** Collapses a message onto one line (a command's error output may hold several). */
    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
