package ai.hanzo.node.launcher;

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
import java.util.Map;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Wallet;
import org.web3j.crypto.WalletFile;
import org.web3j.crypto.exception.CipherException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hanzo-node wallet create|import|address}: the operator's Ethereum keystore v3 file, which
 * the chain client signs with. The password comes from {@code --password-file} or {@code
 * HANZO_CHAIN_PASSWORD} and the private key (import) from a file: neither is ever printed or taken
 * as a command-line argument, where other users could see it.
 */
@Command(
        name = "wallet",
        description = "Create, import and show the operator's keystore (Ethereum keystore v3)",
        subcommands = {
            WalletCommand.Create.class,
            WalletCommand.Import.class,
            WalletCommand.Address.class
        })
final class WalletCommand implements Callable<Integer> {
    static final String PASSWORD_ENV = "HANZO_CHAIN_PASSWORD";
    static final String KEYSTORE_ENV = "HANZO_CHAIN_KEYSTORE";
    static final String PASSWORD_FILE_ENV = "HANZO_CHAIN_PASSWORD_FILE";

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return HanzoNodeLauncher.USAGE_ERROR;
    }

    /** Options of every wallet command. */
    static final class WalletOptions {
        @Mixin KeysCommand.ClientOptions client = new KeysCommand.ClientOptions();

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

        Path keystore() throws UsageException {
            if (keystore != null) {
                return keystore;
            }
            String fromEnv = HanzoNodeLauncher.clientEnvironment().get(KEYSTORE_ENV);
            if (fromEnv == null || fromEnv.isBlank()) {
                throw new UsageException("give --keystore <file> or set " + KEYSTORE_ENV);
            }
            return Path.of(fromEnv.trim());
        }

        String password() throws UsageException, IOException {
            Map<String, String> env = HanzoNodeLauncher.clientEnvironment();
            Path file = passwordFile;
            if (file == null && env.get(PASSWORD_FILE_ENV) != null) {
                file = Path.of(env.get(PASSWORD_FILE_ENV).trim());
            }
            if (file != null) {
                if (!Files.isReadable(file)) {
                    throw new UsageException("cannot read the password file " + file);
                }
                String password = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (password.isEmpty()) {
                    throw new UsageException("the password file " + file + " is empty");
                }
                return password;
            }
            String password = env.get(PASSWORD_ENV);
            if (password == null || password.isEmpty()) {
                throw new UsageException(
                        "give --password-file <file> or set "
                                + PASSWORD_ENV
                                + " (the password is never taken as an argument)");
            }
            return password;
        }
    }

    /** Writes a new keystore, owner-only, refusing to replace an existing file. */
    static String write(Path keystore, ECKeyPair key, String password)
            throws IOException, UsageException {
        if (Files.exists(keystore)) {
            // before the slow scrypt: nothing to encrypt for a file that will not be written
            throw new UsageException(
                    "the keystore " + keystore + " exists already; choose another --keystore");
        }
        WalletFile wallet;
        try {
            wallet = Wallet.createStandard(password, key);
        } catch (CipherException e) {
            throw new IOException("could not encrypt the keystore: " + e.getMessage(), e);
        }
        Path parent = keystore.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        byte[] json = new ObjectMapper().writeValueAsBytes(wallet);
        try {
            Files.write(keystore, json, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new UsageException(
                    "the keystore " + keystore + " exists already; choose another --keystore");
        }
        Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
        return "0x" + wallet.getAddress();
    }

    static void print(CommandSpec spec, boolean json, String address, Path keystore, String verb) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(
                    "{\"address\":"
                            + Json.string(Keys.toChecksumAddress(address))
                            + ",\"keystore\":"
                            + Json.string(keystore.toAbsolutePath().toString())
                            + "}");
        } else {
            out.println(Keys.toChecksumAddress(address));
            if (verb != null) {
                spec.commandLine()
                        .getErr()
                        .println(verb + " " + keystore.toAbsolutePath() + " (mode 600)");
            }
        }
        out.flush();
    }

    /** {@code wallet create}. */
    @Command(name = "create", description = "Make a new key and write it to a keystore file")
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin WalletOptions wallet = new WalletOptions();

        @Override
        public Integer call() throws Exception {
            boolean json = wallet.client.json();
            Path keystore = wallet.keystore();
            String address = write(keystore, Keys.createEcKeyPair(), wallet.password());
            print(spec, json, address, keystore, "Wrote");
            return 0;
        }
    }

    /** {@code wallet import --private-key-file F}. */
    @Command(name = "import", description = "Write an existing private key to a keystore file")
    static final class Import implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin WalletOptions wallet = new WalletOptions();

        @Option(
                names = "--private-key-file",
                required = true,
                paramLabel = "<file>",
                description = "File holding the private key as 64 hex digits (0x optional)")
        Path privateKeyFile;

        @Override
        public Integer call() throws Exception {
            boolean json = wallet.client.json();
            Path keystore = wallet.keystore();
            if (!Files.isReadable(privateKeyFile)) {
                throw new UsageException("cannot read the private key file " + privateKeyFile);
            }
            char[] text =
                    Files.readString(privateKeyFile, StandardCharsets.US_ASCII)
                            .strip()
                            .toCharArray();
            try {
                String hex = new String(text);
                if (hex.startsWith("0x") || hex.startsWith("0X")) {
                    hex = hex.substring(2);
                }
                if (!hex.matches("[0-9a-fA-F]{64}")) {
                    // never echo the file's content: it may be a key with a typo
                    throw new UsageException(
                            "the private key file "
                                    + privateKeyFile
                                    + " does not hold 64 hex digits");
                }
                ECKeyPair key = ECKeyPair.create(new BigInteger(hex, 16));
                String address = write(keystore, key, wallet.password());
                print(spec, json, address, keystore, "Wrote");
                return 0;
            } finally {
                Arrays.fill(text, '\0');
            }
        }
    }

    /** {@code wallet address}. */
    @Command(name = "address", description = "Print the keystore's address (no password needed)")
    static final class Address implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin WalletOptions wallet = new WalletOptions();

        @Override
        public Integer call() throws Exception {
            boolean json = wallet.client.json();
            Path keystore = wallet.keystore();
            if (!Files.isReadable(keystore)) {
                throw new UsageException("cannot read the keystore " + keystore);
            }
            JsonNode node = new ObjectMapper().readTree(keystore.toFile());
            String address = node.path("address").asText("");
            if (!address.matches("(0x)?[0-9a-fA-F]{40}")) {
                throw new UsageException(keystore + " is not an Ethereum keystore v3 file");
            }
            print(spec, json, address.startsWith("0x") ? address : "0x" + address, keystore, null);
            return 0;
        }
    }
}
