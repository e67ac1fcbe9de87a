package ai.hanzo.node.p2p.internal.transport;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** A Noise CipherState: ChaCha20-Poly1305 with a 64-bit little-endian counter nonce. */
final class NoiseCipherState {
    static final int TAG_LENGTH = 16;

    private final SecretKeySpec key;
    private final Cipher cipher;
    private final byte[] nonceBytes = new byte[12];
    private long nonce;

    NoiseCipherState(byte[] key) {
        this.key = new SecretKeySpec(key, "ChaCha20");
        try {
            this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is not available in this JDK", e);
        }
    }

    private IvParameterSpec nextNonce() {
        if (nonce == -1L) {
            throw new IllegalStateException("Noise nonce exhausted");
        }
        long n = nonce++;
        for (int i = 0; i < 8; i++) {
            nonceBytes[4 + i] = (byte) (n >>> (8 * i));
        }
        return new IvParameterSpec(nonceBytes);
    }

    /** Encrypts {@code len} bytes of {@code in} at {@code off} into {@code out} at {@code outOff}. */
    int encrypt(byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nextNonce());
            if (ad != null) {
                cipher.updateAAD(ad);
            }
            return cipher.doFinal(in, off, len, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Noise encryption failed", e);
        }
    }

    /**
     * @return the plaintext length
     * @throws AEADBadTagException when the ciphertext does not authenticate
     */
    int decrypt(byte[] ad, byte[] in, int off, int len, byte[] out, int outOff) throws AEADBadTagException {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nextNonce());
            if (ad != null) {
                cipher.updateAAD(ad);
            }
            return cipher.doFinal(in, off, len, out, outOff);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Noise decryption failed", e);
        }
    }

    byte[] encrypt(byte[] ad, byte[] plaintext) {
        byte[] out = new byte[plaintext.length + TAG_LENGTH];
        encrypt(ad, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    byte[] decrypt(byte[] ad, byte[] ciphertext) throws AEADBadTagException {
        if (ciphertext.length < TAG_LENGTH) {
            throw new AEADBadTagException("ciphertext shorter than its tag");
        }
        byte[] out = new byte[ciphertext.length - TAG_LENGTH];
        decrypt(ad, ciphertext, 0, ciphertext.length, out, 0);
        return out;
    }
}
