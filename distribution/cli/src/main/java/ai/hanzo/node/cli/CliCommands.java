package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientCommands;
import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.launcher.CommandTree;
import java.util.List;

/**
 * The gRPC client commands of {@code bin/hanzo-node}: named by it ({@code
 * -Dhanzo.client.commands}), else found by the launcher's ServiceLoader (the tests).
 */
public final class CliCommands implements ClientCommands {
    /** Creates the provider (ServiceLoader needs a public no-argument constructor). */
    public CliCommands() {}

    @Override
    public void starting(String command) {
        ChannelWarmUp.start(command);
    }

    @Override
    public List<Object> commands(ClientContext context) {
        return List.of(
                new StatusCommand(context),
                new DeployCommand(context),
                new PsCommand(context),
                new LogsCommand(context),
                new ExecCommand(context),
                new ScaleCommand(context),
                new StopCommand(context),
                new RmCommand(context),
                new BackupCommand(context),
                new EventsCommand(context),
                new TopCommand(context),
                new ModelsCommand(context),
                new EmbedCommand(context),
                new CommandTree("operator", () -> OperatorCommand.create(context)),
                new CommandTree("chain", () -> ChainCommand.create(context)),
                new CommandTree("wallet", () -> WalletCommand.create(context)),
                new PluginCommand(context),
                new CompletionCommand());
    }
}
