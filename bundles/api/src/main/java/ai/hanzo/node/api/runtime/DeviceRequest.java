package ai.hanzo.node.api.runtime;

import java.util.List;
import java.util.Map;

/**
 * A request for host devices such as GPUs (compose {@code deploy.resources.reservations.devices},
 * Docker's {@code DeviceRequest}).
 *
 * @param driver the device driver, such as {@code nvidia}, or empty for any
 * @param count how many devices; -1 for all, 0 when {@code deviceIds} names them
 * @param deviceIds the ids of the devices to use, or empty
 * @param capabilities the capabilities the devices must have, such as {@code ["gpu"]}
 * @param options driver-specific options
 */
public record DeviceRequest(
        String driver,
        int count,
        List<String> deviceIds,
        List<String> capabilities,
        Map<String, String> options) {
    /** Copies the collections so the value is immutable. */
    public DeviceRequest {
        deviceIds = List.copyOf(deviceIds);
        capabilities = List.copyOf(capabilities);
        options = Map.copyOf(options);
    }
}
