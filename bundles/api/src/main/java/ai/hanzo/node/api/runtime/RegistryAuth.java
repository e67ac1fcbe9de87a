package ai.hanzo.node.api.runtime;

/**
 * Credentials for an image registry. The password or token is a secret: never log it.
 *
 * @param registry the registry address, such as {@code 127.0.0.1:5000}
 * @param username the user name, or empty for a token
 * @param secret the password or identity token
 */
public record RegistryAuth(String registry, String username, String secret) {
    /** Renders the credentials without the secret. */
    @Override
    public String toString() {
        return "RegistryAuth[registry=" + registry + ", username=" + username + "]";
    }
}
