package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import java.net.InetSocketAddress;

/** A {@code host:port} or {@code [ipv6]:port} listen address. */
record ListenAddress(String host, int port) {

    /**
     * @param text the address as configured
     * @param setting the flag or property it came from, for the error message
     * @return the parsed address
     */
    static ListenAddress parse(String text, String setting) {
        String value = text == null ? "" : text.trim();
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new InvalidArgumentException(
                    setting + " '" + value + "' is not host:port (for example 127.0.0.1:50051)");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(
                    setting + " '" + value + "' has a port that is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidArgumentException(
                    setting + " '" + value + "' has a port outside 0-65535");
        }
        return new ListenAddress(host, port);
    }

    InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
