package dev.cairn.cli;

import dev.cairn.Repository;
import dev.cairn.Secret;
import picocli.CommandLine.Command;

/** {@code cairn init}: creates a repository. */
@Command(name = "init",
        description = "Create a repository, protected by the password in CAIRN_PASSWORD or CAIRN_PASSWORD_FILE.")
final class InitCommand extends RepoCommand {
    @Override
    public Integer call() {
        Repository.Builder b = Env.kdf(builder(), env());
        Secret password = Env.password(env());
        try (Repository repo = b.password(password).init()) {
            say("Created repository " + repo.id().substring(0, 8) + " at " + repo.location() + ".");
            say("Keep the password safe: without it the data cannot be read.");
        } finally {
            password.clear();
        }
        return Main.OK;
    }
}
