package ai.hanzo.node.rpc.internal;

import java.util.EnumSet;
import java.util.Set;

/** Caller roles and what each may do, as in the Rust node, extended to the new services. */
enum Role {
    ANONYMOUS(EnumSet.of(Permission.HEALTH_READ)),
    VIEWER(
            EnumSet.of(
                    Permission.HEALTH_READ,
                    Permission.METRICS_READ,
                    Permission.LOGS_READ,
                    Permission.EVENTS_READ,
                    Permission.CONTAINER_READ,
                    Permission.INFERENCE_READ,
                    Permission.OPERATOR_READ,
                    Permission.PLUGIN_READ)),
    NODE(
            EnumSet.of(
                    Permission.HEALTH_READ,
                    Permission.METRICS_READ,
                    Permission.NODE_CREATE,
                    Permission.NODE_UPDATE)),
    // plugins run code inside the node: installing them is for admins only
    // a store backup holds every deployment's environment values: admin only
    OPERATOR(
            EnumSet.complementOf(
                    EnumSet.of(
                            Permission.NODE_CREATE,
                            Permission.OPERATOR_UPDATE,
                            Permission.PLUGIN_MANAGE,
                            Permission.STORE_BACKUP))),
    ADMIN(EnumSet.allOf(Permission.class));

    private final Set<Permission> permissions;

    Role(Set<Permission> permissions) {
        this.permissions = permissions;
    }

    boolean allows(Permission permission) {
        return permissions.contains(permission);
    }
}
