package dev.cairn.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cairn completion bash}: prints a completion script generated from the command model. */
@Command(name = "completion",
        description = {"Print a shell completion script.", "",
                "The script is for bash; zsh loads it after `autoload -U bashcompinit && bashcompinit`.", "",
                "  source <(cairn completion bash)",
                "  cairn completion bash > /etc/bash_completion.d/cairn", ""})
final class CompletionCommand extends RepoCommand {
    @Parameters(paramLabel = "SHELL", arity = "0..1", defaultValue = "bash",
            description = "The shell: bash (default) or zsh.")
    String shell;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Unknown shell '" + shell
                    + "': completion is generated for bash and zsh");
        }
        out().print(AutoComplete.bash("cairn", spec.root().commandLine()));
        out().flush();
        checkOut();
        return Main.OK;
    }
}
