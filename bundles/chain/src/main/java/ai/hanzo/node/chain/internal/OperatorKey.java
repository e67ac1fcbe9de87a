package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.exception.CipherException;

/**
 * The operator's key, from an Ethereum keystore v3 file. The address is read without the password;
 * the password comes from a file or an environment variable only when a transaction is signed, and
 * neither it nor the key is ever logged or put into a message.
 */
final class OperatorKey {
    private final Logger logger = LoggerFactory.getLogger(OperatorKey.class);
    private final Path keystore;
    private final Optional<Path> passwordFile;
    private final String passwordEnv;
    private final UnaryOperator<String> environment;
    private final String address;
    private volatile Credentials credentials;

    OperatorKey(
            Path keystore,
            Optional<Path> passwordFile,
            String passwordEnv,
            UnaryOperator<String> environment) {
        this.keystore = keystore;
        this.passwordFile = passwordFile;
        this.passwordEnv = passwordEnv;
        this.environment = environment;
        this.address = readAddress(keystore);
    }

    /**
     * @return the operator address, 0x-prefixed lower case
     */
    String address() {
        return address;
    }

    /** Decrypts the keystore on first use. */
    Credentials credentials() {
        Credentials loaded = credentials;
        if (loaded == null) {
            synchronized (this) {
                loaded = credentials;
                if (loaded == null) {
                    loaded = decrypt();
                    credentials = loaded;
                }
            }
        }
        return loaded;
    }

    private Credentials decrypt() {
        String password = password();
        try {
            Credentials loaded = WalletUtils.loadCredentials(password, keystore.toFile());
            if (!loaded.getAddress().equalsIgnoreCase(address)) {
                throw new FailedPreconditionException(
                        "keystore " + keystore + " decrypts to a key of another address");
            }
            logger.info("operator key {} unlocked from {}", address, keystore);
            return loaded;
        } catch (CipherException e) {
            // CipherException's message is about the MAC, never the password itself
            throw new FailedPreconditionException(
                    "keystore "
                            + keystore
                            + " could not be decrypted with the configured password; check "
                            + passwordSource());
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "keystore " + keystore + " cannot be read: " + e.getMessage());
        }
    }

    private String password() {
        if (passwordFile.isPresent()) {
            Path file = passwordFile.get();
            try {
                warnIfShared(file);
                String content = Files.readString(file, StandardCharsets.UTF_8);
                return content.strip();
            } catch (IOException e) {
                throw new FailedPreconditionException(
                        "keystore password file " + file + " cannot be read: " + e.getMessage());
            }
        }
        String value = environment.apply(passwordEnv);
        if (value == null) {
            throw new FailedPreconditionException(
                    "no keystore password: set passwordFile or the environment variable "
                            + passwordEnv);
        }
        return value;
    }

    private String passwordSource() {
        return passwordFile
                .map(p -> "the password file " + p)
                .orElse("the environment variable " + passwordEnv);
    }

    private void warnIfShared(Path file) throws IOException {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ)
                    || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                logger.warn(
                        "keystore password file {} is readable by other users: chmod 600 it", file);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
    }

    private static String readAddress(Path keystore) {
        try {
            JsonNode json = new ObjectMapper().readTree(keystore.toFile());
            String raw = json.path("address").asText("");
            if (!raw.matches("(0x)?[0-9a-fA-F]{40}")) {
                throw new FailedPreconditionException(
                        "keystore "
                                + keystore
                                + " is not an Ethereum keystore v3 file (no address)");
            }
            return (raw.startsWith("0x") ? raw : "0x" + raw).toLowerCase();
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "keystore " + keystore + " cannot be read: " + e.getMessage());
        }
    }
}
