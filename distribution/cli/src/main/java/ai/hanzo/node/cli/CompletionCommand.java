package ai.hanzo.node.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code hanzo-node completion}: the bash (and zsh, through bashcompinit) completion script that
 * picocli generates from the command tree. Load it with {@code source <(bin/hanzo-node
 * completion)}.
 */
@Command(
        name = "completion",
        description = "Print the bash/zsh completion script: source <(hanzo-node completion)")
final class CompletionCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine()
                .getOut()
                .print(AutoComplete.bash("hanzo-node", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
