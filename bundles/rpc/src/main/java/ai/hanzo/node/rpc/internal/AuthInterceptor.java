package ai.hanzo.node.rpc.internal;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;

/**
 * Lets a call through only when the caller's role grants the permission its RPC needs. Callers
 * present an API key as {@code x-api-key: hzk_...} or {@code authorization: Bearer hzk_...};
 * without one they are anonymous, which allows health checks and reflection only.
 */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> API_KEY =
            Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ApiKeys keys;
    private final String adminKeyHint;

    AuthInterceptor(ApiKeys keys, String adminKeyHint) {
        this.keys = keys;
        this.adminKeyHint = adminKeyHint;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<Permission> needed = RpcPermissions.required(method);
        if (needed.isEmpty()) {
            return refuse(call, Status.UNIMPLEMENTED.withDescription("unknown method " + method));
        }
        Optional<String> presented = presentedKey(headers);
        Role role;
        if (presented.isEmpty()) {
            role = Role.ANONYMOUS;
        } else {
            Optional<Role> known = keys.roleOf(presented.get());
            if (known.isEmpty()) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription("unknown API key"));
            }
            role = known.get();
        }
        if (!role.allows(needed.get())) {
            Status status =
                    role == Role.ANONYMOUS
                            ? Status.UNAUTHENTICATED.withDescription(
                                    method
                                            + " needs "
                                            + needed.get().label()
                                            + "; send an API key as 'x-api-key: hzk_...' ("
                                            + adminKeyHint
                                            + ")")
                            : Status.PERMISSION_DENIED.withDescription(
                                    "role "
                                            + role.name().toLowerCase()
                                            + " lacks "
                                            + needed.get().label()
                                            + " needed by "
                                            + method);
            return refuse(call, status);
        }
        return next.startCall(call, headers);
    }

    private static Optional<String> presentedKey(Metadata headers) {
        String key = headers.get(API_KEY);
        if (key != null && !key.isBlank()) {
            return Optional.of(key.trim());
        }
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(authorization.substring(7).trim());
        }
        return Optional.empty();
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
