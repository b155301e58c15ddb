// The two runtimes hold Ed25519 keys differently (Node: a KeyObject, browsers: raw bytes), so
// the rest of the library passes them around as opaque handles made and read only by the
// runtime's platform module (`#platform`).
declare const privateKeyBrand: unique symbol;
declare const publicKeyBrand: unique symbol;

/** An Ed25519 private key held by the runtime's crypto; read it only through this library. */
export interface Ed25519PrivateKey {
  readonly [privateKeyBrand]: true;
}

/** An Ed25519 public key ready for verification by the runtime's crypto. */
export interface Ed25519PublicKey {
  readonly [publicKeyBrand]: true;
}
