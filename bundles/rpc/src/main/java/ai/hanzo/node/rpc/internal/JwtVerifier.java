package ai.hanzo.node.rpc.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;

/**
 * Checks bearer JWTs: HS256 with a shared secret, or EdDSA (Ed25519) / ES256 with configured public
 * keys. A token must carry {@code exp} and a {@code role} claim (viewer, operator, admin, node);
 * when an issuer or audience is configured it must match. Nimbus JOSE parses and checks
 * HS256/ES256; the JDK's Ed25519 checks EdDSA (Nimbus would need Tink for it).
 */
final class JwtVerifier {
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    /** A token that failed; the message says why, for the caller. */
    static final class RejectedToken extends Exception {
        private static final long serialVersionUID = 1L;

        RejectedToken(String message) {
            super(message);
        }
    }

    /**
     * Who the token says the caller is.
     *
     * @param subject the {@code sub} claim, or empty
     * @param role the role granted
     * @param expires when the token stops being accepted
     */
    record Principal(String subject, Role role, Instant expires) {}

    private final byte[] hmacSecret;
    private final List<PublicKey> edKeys;
    private final List<ECPublicKey> ecKeys;
    private final String issuer;
    private final String audience;
    private final Clock clock;

    JwtVerifier(
            byte[] hmacSecret,
            List<PublicKey> publicKeys,
            String issuer,
            String audience,
            Clock clock) {
        this.hmacSecret = hmacSecret == null ? null : hmacSecret.clone();
        List<PublicKey> ed = new ArrayList<>();
        List<ECPublicKey> ec = new ArrayList<>();
        for (PublicKey key : publicKeys) {
            if (key instanceof ECPublicKey e) {
                ec.add(e);
            } else {
                ed.add(key);
            }
        }
        this.edKeys = List.copyOf(ed);
        this.ecKeys = List.copyOf(ec);
        this.issuer = issuer == null ? "" : issuer.trim();
        this.audience = audience == null ? "" : audience.trim();
        this.clock = clock;
    }

    /**
     * @return whether any key is configured (otherwise bearer tokens that are not API keys are
     *     refused with a message saying JWTs are not set up)
     */
    boolean configured() {
        return hmacSecret != null || !edKeys.isEmpty() || !ecKeys.isEmpty();
    }

    /**
     * @param token the compact JWT
     * @return the caller
     * @throws RejectedToken when the token is malformed, badly signed, expired or lacks a role
     */
    Principal verify(String token) throws RejectedToken {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new RejectedToken("the bearer token is not a JWT");
        }
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm algorithm = header.getAlgorithm();
        boolean valid;
        try {
            if (JWSAlgorithm.HS256.equals(algorithm)) {
                if (hmacSecret == null) {
                    throw new RejectedToken("HS256 tokens are not accepted by this node");
                }
                valid = jwt.verify(new MACVerifier(hmacSecret));
            } else if (JWSAlgorithm.ES256.equals(algorithm)) {
                valid = false;
                for (ECPublicKey key : ecKeys) {
                    if (jwt.verify(new ECDSAVerifier(key))) {
                        valid = true;
                        break;
                    }
                }
            } else if (JWSAlgorithm.EdDSA.equals(algorithm)
                    || JWSAlgorithm.Ed25519.equals(algorithm)) {
                valid = verifyEd25519(jwt);
            } else {
                throw new RejectedToken(
                        "JWT algorithm "
                                + algorithm
                                + " is not accepted (use HS256, ES256 or EdDSA)");
            }
        } catch (JOSEException e) {
            throw new RejectedToken("the JWT signature cannot be checked: " + e.getMessage());
        }
        if (!valid) {
            throw new RejectedToken("the JWT signature does not match a configured key");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new RejectedToken("the JWT claims are not valid JSON");
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new RejectedToken("the JWT has no expiry (exp)");
        }
        if (exp.toInstant().plus(CLOCK_SKEW).isBefore(now)) {
            throw new RejectedToken("the JWT expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.toInstant().minus(CLOCK_SKEW).isAfter(now)) {
            throw new RejectedToken("the JWT is not valid before " + nbf.toInstant());
        }
        if (!issuer.isEmpty() && !issuer.equals(claims.getIssuer())) {
            throw new RejectedToken("the JWT issuer is not " + issuer);
        }
        if (!audience.isEmpty()
                && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            throw new RejectedToken("the JWT audience does not include " + audience);
        }
        Object roleClaim = claims.getClaim("role");
        Role role;
        try {
            role =
                    roleClaim instanceof String s
                            ? Role.valueOf(s.trim().toUpperCase(Locale.ROOT))
                            : null;
        } catch (IllegalArgumentException e) {
            role = null;
        }
        if (role == null || role == Role.ANONYMOUS) {
            throw new RejectedToken(
                    "the JWT has no valid role claim (viewer, operator, admin or node)");
        }
        String subject = claims.getSubject() == null ? "" : claims.getSubject();
        return new Principal(subject, role, exp.toInstant());
    }

    private boolean verifyEd25519(SignedJWT jwt) throws RejectedToken {
        if (edKeys.isEmpty()) {
            throw new RejectedToken("EdDSA tokens are not accepted by this node (no Ed25519 key)");
        }
        byte[] input = jwt.getSigningInput();
        byte[] signature = jwt.getSignature().decode();
        for (PublicKey key : edKeys) {
            try {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(key);
                verifier.update(input);
                if (verifier.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // not this key
            }
        }
        return false;
    }

    /**
     * @param pem a PEM {@code PUBLIC KEY} (SubjectPublicKeyInfo) of an Ed25519 or P-256 key
     * @return the key
     * @throws IOException if the file cannot be read or holds no such key
     */
    static PublicKey readPublicKey(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PUBLIC KEY-----");
        int end = text.indexOf("-----END PUBLIC KEY-----");
        if (begin < 0 || end < begin) {
            throw new IOException(pem + " holds no PEM 'PUBLIC KEY' block");
        }
        byte[] der =
                Base64.getMimeDecoder()
                        .decode(text.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end));
        for (String algorithm : List.of("Ed25519", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm)
                        .generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next
            }
        }
        throw new IOException(pem + " holds neither an Ed25519 nor an EC P-256 public key");
    }
}
