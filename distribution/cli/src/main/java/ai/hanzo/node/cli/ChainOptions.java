package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The chain flags every {@code operator} and {@code chain} command shares. Each comes from its
 * flag, else its {@code HANZO_CHAIN_*} variable, else the node's {@code
 * etc/ai.hanzo.node.chain.cfg}. The password is never a flag value: it is read from the file, or
 * from {@code HANZO_CHAIN_PASSWORD}, when a transaction is signed.
 */
final class ChainOptions {
    static final String PASSWORD_ENV = "HANZO_CHAIN_PASSWORD";

    @Option(
            names = "--profile",
            paramLabel = "<name>",
            description =
                    "mainnet (96369), testnet (96368), devnet (96370) or local (env"
                            + " HANZO_CHAIN_PROFILE; default local)")
    String profile;

    @Option(
            names = "--rpc-url",
            paramLabel = "<url>",
            description =
                    "The chain's JSON-RPC endpoint; with it the command talks to the chain itself"
                            + " instead of the node (env HANZO_CHAIN_RPC_URL)")
    String rpcUrl;

    @Option(
            names = "--chain-id",
            paramLabel = "<id>",
            description = "The chain id the endpoint must serve (env HANZO_CHAIN_ID)")
    Long chainId;

    @Option(
            names = "--contract",
            paramLabel = "<address>",
            description = "The NodeRegistry contract (env HANZO_CHAIN_CONTRACT)")
    String contract;

    @Option(
            names = "--keystore",
            paramLabel = "<file>",
            description = "The operator's keystore v3 file (env HANZO_CHAIN_KEYSTORE)")
    Path keystore;

    @Option(
            names = "--password-file",
            paramLabel = "<file>",
            description =
                    "File holding the keystore password (env HANZO_CHAIN_PASSWORD_FILE, or the"
                            + " password itself in HANZO_CHAIN_PASSWORD)")
    Path passwordFile;

    @Option(
            names = {"-y", "--yes"},
            description = "Send without asking for confirmation (for scripts)")
    boolean yes;

    /** The settings after flags, environment and the node's chain configuration. */
    record Resolved(
            String profile,
            String rpcUrl,
            long chainId,
            String contract,
            Path keystore,
            Path passwordFile,
            String endpoint,
            boolean explicitRpc) {}

    /**
     * @return whether any chain flag was given on the command line
     */
    boolean anyChainFlag() {
        return profile != null
                || rpcUrl != null
                || chainId != null
                || contract != null
                || keystore != null
                || passwordFile != null;
    }

    Resolved resolve(ClientContext context, Path dataDir) throws CliException {
        Map<String, String> env = context.env();
        Properties cfg = nodeChainConfig(dataDir);
        String rpc = first(rpcUrl, env.get("HANZO_CHAIN_RPC_URL"), null);
        boolean explicit = rpc != null;
        if (rpc == null) {
            rpc = first(null, null, cfg.getProperty("rpcUrl"));
        }
        String chain =
                first(
                        chainId == null ? null : chainId.toString(),
                        env.get("HANZO_CHAIN_ID"),
                        cfg.getProperty("chainId"));
        long id;
        try {
            id = chain == null ? 0 : Long.parseLong(chain.trim());
        } catch (NumberFormatException e) {
            throw new CliException(
                    ExitCode.USAGE, "invalid chain id '" + chain + "': expected a number");
        }
        if (id < 0) {
            throw new CliException(ExitCode.USAGE, "invalid chain id " + id);
        }
        String address =
                first(
                        contract,
                        env.get("HANZO_CHAIN_CONTRACT"),
                        cfg.getProperty("contractAddress"));
        if (address != null && !address.matches("0x[0-9a-fA-F]{40}")) {
            throw new CliException(
                    ExitCode.USAGE,
                    "invalid contract address '" + address + "': expected 0x and 40 hex digits");
        }
        String store =
                first(
                        pathText(keystore),
                        env.get("HANZO_CHAIN_KEYSTORE"),
                        cfg.getProperty("keystore"));
        String password =
                first(
                        pathText(passwordFile),
                        env.get("HANZO_CHAIN_PASSWORD_FILE"),
                        cfg.getProperty("passwordFile"));
        if (password != null && !Files.isReadable(Path.of(password))) {
            throw new CliException(ExitCode.USAGE, "cannot read the password file " + password);
        }
        if (store != null && !Files.isReadable(Path.of(store))) {
            throw new CliException(ExitCode.USAGE, "cannot read the keystore " + store);
        }
        return new Resolved(
                first(profile, env.get("HANZO_CHAIN_PROFILE"), cfg.getProperty("profile")),
                rpc,
                id,
                address,
                store == null ? null : Path.of(store),
                password == null ? null : Path.of(password),
                first(null, env.get("HANZO_CHAIN_ENDPOINT"), cfg.getProperty("endpoint")),
                explicit);
    }

    /** The node's own chain configuration, if this is an install with one. */
    private static Properties nodeChainConfig(Path dataDir) throws CliException {
        Properties properties = new Properties();
        String home = System.getProperty("karaf.home");
        if (home == null) {
            return properties;
        }
        Path file = Path.of(home, "etc", "ai.hanzo.node.chain.cfg");
        if (!Files.isRegularFile(file)) {
            return properties;
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot read " + file + ": " + e.getMessage());
        }
        Properties resolved = new Properties();
        for (String name : properties.stringPropertyNames()) {
            resolved.setProperty(
                    name,
                    properties
                            .getProperty(name)
                            .trim()
                            .replace("${karaf.data}", dataDir.toString())
                            .replace("${karaf.home}", home)
                            .replace("${karaf.base}", home));
        }
        return resolved;
    }

    private static String pathText(Path path) {
        return path == null ? null : path.toString();
    }

    private static String first(String flag, String env, String config) {
        for (String value : new String[] {flag, env, config}) {
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return null;
    }
}
