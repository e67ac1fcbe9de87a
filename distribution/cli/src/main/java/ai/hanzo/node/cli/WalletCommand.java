package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Wallet;
import org.web3j.crypto.WalletFile;
import org.web3j.crypto.exception.CipherException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hanzo-node wallet create|import|address}: the operator's Ethereum keystore v3 file, which
 * the chain client signs with. The password comes from {@code --password-file} or {@code
 * HANZO_CHAIN_PASSWORD} and the private key (import) from a file: neither is ever printed or taken
 * as a command-line argument, where other users could see it. Runs in the client JVM (lib/cli):
 * web3j never sits on the node's boot class path.
 */
@Command(
        name = "wallet",
        description = "Create, import and show the operator's keystore (Ethereum keystore v3)")
final class WalletCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    private WalletCommand() {}

    /**
     * @param context the launcher's settings (the environment)
     * @return the command with its subcommands
     */
    static CommandLine create(ClientContext context) {
        return new CommandLine(new WalletCommand())
                .addSubcommand(new Create(context))
                .addSubcommand(new Import(context))
                .addSubcommand(new Address(context));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /** What every wallet command shares: options, error reporting, printing. */
    abstract static class WalletAction implements Callable<Integer> {
        @Spec CommandSpec spec;
        final ClientContext context;

        @Option(
                names = "--keystore",
                paramLabel = "<file>",
                description = "The keystore file (env HANZO_CHAIN_KEYSTORE)")
        Path keystore;

        @Option(
                names = "--password-file",
                paramLabel = "<file>",
                description =
                        "File holding the keystore password (env HANZO_CHAIN_PASSWORD_FILE, or the"
                                + " password in HANZO_CHAIN_PASSWORD)")
        Path passwordFile;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "<format>",
                description = "text (default) or json")
        String output = "text";

        WalletAction(ClientContext context) {
            this.context = context;
        }

        abstract int run(boolean json) throws Exception;

        @Override
        public final Integer call() throws Exception {
            try {
                String format = output.toLowerCase(Locale.ROOT);
                if (!format.equals("text") && !format.equals("table") && !format.equals("json")) {
                    throw new CliException(
                            ExitCode.USAGE, "invalid --output '" + output + "': use text or json");
                }
                return run(format.equals("json"));
            } catch (CliException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("hanzo-node wallet " + spec.name() + ": " + e.getMessage());
                err.flush();
                return e.exitCode();
            }
        }

        Path keystore() throws CliException {
            if (keystore != null) {
                return keystore;
            }
            String fromEnv = context.env().get("HANZO_CHAIN_KEYSTORE");
            if (fromEnv == null || fromEnv.isBlank()) {
                throw new CliException(
                        ExitCode.USAGE, "give --keystore <file> or set HANZO_CHAIN_KEYSTORE");
            }
            return Path.of(fromEnv.trim());
        }

        String password() throws CliException {
            Map<String, String> env = context.env();
            Path file = passwordFile;
            if (file == null && env.get("HANZO_CHAIN_PASSWORD_FILE") != null) {
                file = Path.of(env.get("HANZO_CHAIN_PASSWORD_FILE").trim());
            }
            if (file != null) {
                String password;
                try {
                    password = Files.readString(file, StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    throw new CliException(ExitCode.USAGE, "cannot read the password file " + file);
                }
                if (password.isEmpty()) {
                    throw new CliException(
                            ExitCode.USAGE, "the password file " + file + " is empty");
                }
                return password;
            }
            String password = env.get(ChainOptions.PASSWORD_ENV);
            if (password == null || password.isEmpty()) {
                throw new CliException(
                        ExitCode.USAGE,
                        "give --password-file <file> or set "
                                + ChainOptions.PASSWORD_ENV
                                + " (the password is never taken as an argument)");
            }
            return password;
        }

        void print(boolean json, String address, Path file, String verb) {
            PrintWriter out = spec.commandLine().getOut();
            String checksummed = Keys.toChecksumAddress(address);
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                out.println(
                        mapper.createObjectNode()
                                .put("address", checksummed)
                                .put("keystore", file.toAbsolutePath().toString())
                                .toString());
            } else {
                out.println(checksummed);
                if (verb != null) {
                    spec.commandLine()
                            .getErr()
                            .println(verb + " " + file.toAbsolutePath() + " (mode 600)");
                }
            }
            out.flush();
        }
    }

    /** Writes a new keystore, owner-only, refusing to replace an existing file. */
    static String write(Path keystore, ECKeyPair key, String password)
            throws IOException, CliException {
        if (Files.exists(keystore)) {
            // before the slow scrypt: nothing to encrypt for a file that will not be written
            throw new CliException(
                    ExitCode.USAGE,
                    "the keystore " + keystore + " exists already; choose another --keystore");
        }
        WalletFile wallet;
        try {
            wallet = Wallet.createStandard(password, key);
        } catch (CipherException e) {
            throw new IOException("could not encrypt the keystore: " + e.getMessage(), e);
        }
        Files.createDirectories(keystore.toAbsolutePath().getParent());
        byte[] json = new ObjectMapper().writeValueAsBytes(wallet);
        try {
            // created owner-only: the encrypted key is never readable by others, not even briefly
            Files.createFile(
                    keystore,
                    PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
            Files.write(keystore, json, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new CliException(
                    ExitCode.USAGE,
                    "the keystore " + keystore + " exists already; choose another --keystore");
        }
        return "0x" + wallet.getAddress();
    }

    /** {@code wallet create}. */
    @Command(name = "create", description = "Make a new key and write it to a keystore file")
    static final class Create extends WalletAction {
        Create(ClientContext context) {
            super(context);
        }

        @Override
        int run(boolean json) throws Exception {
            Path file = keystore();
            String address = write(file, Keys.createEcKeyPair(), password());
            print(json, address, file, "Wrote");
            return ExitCode.OK;
        }
    }

    /** {@code wallet import --private-key-file F}. */
    @Command(name = "import", description = "Write an existing private key to a keystore file")
    static final class Import extends WalletAction {
        @Option(
                names = "--private-key-file",
                required = true,
                paramLabel = "<file>",
                description = "File holding the private key as 64 hex digits (0x optional)")
        Path privateKeyFile;

        Import(ClientContext context) {
            super(context);
        }

        @Override
        int run(boolean json) throws Exception {
            Path file = keystore();
            char[] text;
            try {
                text =
                        Files.readString(privateKeyFile, StandardCharsets.US_ASCII)
                                .strip()
                                .toCharArray();
            } catch (IOException e) {
                throw new CliException(
                        ExitCode.USAGE, "cannot read the private key file " + privateKeyFile);
            }
            try {
                String hex = new String(text);
                if (hex.startsWith("0x") || hex.startsWith("0X")) {
                    hex = hex.substring(2);
                }
                if (!hex.matches("[0-9a-fA-F]{64}")) {
                    // never echo the file's content: it may be a key with a typo
                    throw new CliException(
                            ExitCode.USAGE,
                            "the private key file "
                                    + privateKeyFile
                                    + " does not hold 64 hex digits");
                }
                String address = write(file, ECKeyPair.create(new BigInteger(hex, 16)), password());
                print(json, address, file, "Wrote");
                return ExitCode.OK;
            } finally {
                Arrays.fill(text, '\0');
            }
        }
    }

    /** {@code wallet address}. */
    @Command(name = "address", description = "Print the keystore's address (no password needed)")
    static final class Address extends WalletAction {
        Address(ClientContext context) {
            super(context);
        }

        @Override
        int run(boolean json) throws Exception {
            Path file = keystore();
            JsonNode node;
            try {
                node = new ObjectMapper().readTree(file.toFile());
            } catch (IOException e) {
                throw new CliException(
                        ExitCode.USAGE,
                        "cannot read the keystore " + file + " as a keystore v3 file");
            }
            String address = node.path("address").asText("");
            if (!address.matches("(0x)?[0-9a-fA-F]{40}")) {
                throw new CliException(
                        ExitCode.USAGE, file + " is not an Ethereum keystore v3 file");
            }
            print(json, address.startsWith("0x") ? address : "0x" + address, file, null);
            return ExitCode.OK;
        }
    }
}
