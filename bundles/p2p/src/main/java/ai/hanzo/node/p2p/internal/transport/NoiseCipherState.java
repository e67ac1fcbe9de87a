package ai.hanzo.node.p2p.internal.transport;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A Noise CipherState: ChaCha20-Poly1305 with a nonce of 4 zero bytes and a 64-bit little-endian
 * counter, from the provider {@link ChaChaPoly} chose.
 */
final class NoiseCipherState {
    static final int TAG_LENGTH = 16;

    private final SecretKeySpec key;
    private final ChaChaPoly impl;
    private final Cipher cipher;
    private final byte[] nonceBytes = new byte[12];
    private long nonce;

    NoiseCipherState(byte[] key) {
        this(key, ChaChaPoly.get());
    }

    NoiseCipherState(byte[] key, ChaChaPoly impl) {
        this.key = new SecretKeySpec(key, "ChaCha20");
        this.impl = impl;
        try {
            this.cipher = impl.newCipher();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is not available from " + impl, e);
        }
    }

    /**
     * @return the implementation in use
     */
    ChaChaPoly impl() {
        return impl;
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

    /**
     * Encrypts {@code len} bytes of {@code in} at {@code off} into {@code out} at {@code outOff}.
     */
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
    int decrypt(byte[] ad, byte[] in, int off, int len, byte[] out, int outOff)
            throws AEADBadTagException {
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

    /**
     * Encrypts, without associated data, the {@code len} bytes at {@code index} of {@code buf} in
     * place; the ciphertext and tag take {@code len + TAG_LENGTH} bytes from {@code index}, which
     * must be within the buffer's capacity. Indexes are not moved.
     */
    void encryptInPlace(ByteBuf buf, int index, int len) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nextNonce());
            crypt(buf, index, len, buf, index, len + TAG_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Noise encryption failed", e);
        }
    }

    /**
     * Decrypts, without associated data, the {@code len} bytes of ciphertext and tag at {@code
     * index} of {@code in} and appends the plaintext to {@code out} (which must have room). Indexes
     * of {@code in} are not moved.
     *
     * @throws AEADBadTagException when the ciphertext does not authenticate
     */
    void decrypt(ByteBuf in, int index, int len, ByteBuf out) throws AEADBadTagException {
        if (len < TAG_LENGTH) {
            throw new AEADBadTagException("ciphertext shorter than its tag");
        }
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nextNonce());
            int n = crypt(in, index, len, out, out.writerIndex(), len - TAG_LENGTH);
            out.writerIndex(out.writerIndex() + n);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Noise decryption failed", e);
        }
    }

    private int crypt(ByteBuf in, int index, int len, ByteBuf out, int outIndex, int outLen)
            throws GeneralSecurityException {
        if (in.hasArray() && out.hasArray()) {
            return cipher.doFinal(
                    in.array(),
                    in.arrayOffset() + index,
                    len,
                    out.array(),
                    out.arrayOffset() + outIndex);
        }
        if (in.nioBufferCount() == 1 && out.nioBufferCount() == 1) {
            // direct memory: Conscrypt seals and opens it natively (in place when in is out)
            ByteBuffer src = in.nioBuffer(index, len);
            ByteBuffer dst = out.nioBuffer(outIndex, outLen);
            return cipher.doFinal(src, dst);
        }
        // composite or mixed buffers: through arrays
        byte[] src = new byte[len];
        in.getBytes(index, src);
        byte[] dst = new byte[Math.max(outLen, len + TAG_LENGTH)];
        int n = cipher.doFinal(src, 0, len, dst, 0);
        out.setBytes(outIndex, dst, 0, n);
        return n;
    }
}
