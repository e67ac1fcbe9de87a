package ai.hanzo.node.rpc.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Lets a call through only when the caller's role grants the permission its RPC needs. Callers
 * present an API key as {@code x-api-key: hzk_...} or {@code authorization: Bearer hzk_...}, or a
 * JWT as {@code authorization: Bearer <jwt>}; without one they are anonymous, which allows health
 * checks and reflection only. The caller's role is in {@link #ROLE} for the handlers.
 */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> API_KEY =
            Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<Role> ROLE = Context.key("hanzo-role");

    private final ApiKeys keys;
    private final Supplier<JwtVerifier> jwt;
    private final String adminKeyHint;

    AuthInterceptor(ApiKeys keys, Supplier<JwtVerifier> jwt, String adminKeyHint) {
        this.keys = keys;
        this.jwt = jwt;
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
        Role role;
        String apiKey = headers.get(API_KEY);
        String authorization = headers.get(AUTHORIZATION);
        String bearer =
                authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                        ? authorization.substring(7).trim()
                        : null;
        if (apiKey != null && !apiKey.isBlank()) {
            role = keys.roleOf(apiKey.trim()).orElse(null);
            if (role == null) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription("unknown API key"));
            }
        } else if (bearer != null && bearer.startsWith(ApiKeys.KEY_PREFIX)) {
            role = keys.roleOf(bearer).orElse(null);
            if (role == null) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription("unknown API key"));
            }
        } else if (bearer != null) {
            JwtVerifier verifier = jwt.get();
            if (!verifier.configured()) {
                return refuse(
                        call,
                        Status.UNAUTHENTICATED.withDescription(
                                "this node accepts no JWTs (none of jwtHmacSecretFile,"
                                        + " jwtPublicKeyFiles is configured); send an API key"));
            }
            try {
                role = verifier.verify(bearer).role();
            } catch (JwtVerifier.RejectedToken e) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription(e.getMessage()));
            }
        } else if (authorization != null) {
            return refuse(
                    call,
                    Status.UNAUTHENTICATED.withDescription(
                            "the authorization header is not 'Bearer <token>'"));
        } else {
            role = Role.ANONYMOUS;
        }
        if (!role.allows(needed.get())) {
            Status status =
                    role == Role.ANONYMOUS
                            ? Status.UNAUTHENTICATED.withDescription(
                                    method
                                            + " needs "
                                            + needed.get().label()
                                            + "; send an API key as 'x-api-key: hzk_...' or a JWT as"
                                            + " 'authorization: Bearer <token>' ("
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
        return Contexts.interceptCall(Context.current().withValue(ROLE, role), call, headers, next);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
