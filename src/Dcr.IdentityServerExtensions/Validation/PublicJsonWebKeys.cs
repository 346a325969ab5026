using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Dcr.IdentityServerExtensions.Validation;

/// <summary>Reads JSON Web Key Sets that must hold public signing keys only (client <c>jwks</c>, software statement issuers).</summary>
internal static class PublicJsonWebKeys
{
    /// <summary>
    /// Reads a JSON Web Key Set of public RSA (2048 bits or more) and EC (P-256, P-384, P-521) signing keys. Returns
    /// false when the set is malformed, holds a key that is not usable as such (a private or symmetric key, a point
    /// not on its curve, a short modulus), or holds no key at all.
    /// </summary>
    public static bool TryRead(string json, out IReadOnlyList<SecurityKey> keys)
    {
        keys = [];
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var usable = new List<SecurityKey>();
        foreach (var key in set.Keys)
        {
            if (key.HasPrivateKey || !IsUsablePublicKey(key))
            {
                return false;
            }

            usable.Add(key);
        }

        keys = usable;
        return usable.Count > 0;
    }

    private static bool IsUsablePublicKey(JsonWebKey key)
    {
        try
        {
            switch (key.Kty)
            {
                case JsonWebAlgorithmsKeyTypes.RSA:
                    var modulus = Base64UrlEncoder.DecodeBytes(key.N);
                    var exponent = Base64UrlEncoder.DecodeBytes(key.E);
                    using (var rsa = RSA.Create())
                    {
                        rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = exponent });
                        return rsa.KeySize >= 2048;
                    }

                case JsonWebAlgorithmsKeyTypes.EllipticCurve:
                    var curve = key.Crv switch
                    {
                        JsonWebKeyECTypes.P256 => ECCurve.NamedCurves.nistP256,
                        JsonWebKeyECTypes.P384 => ECCurve.NamedCurves.nistP384,
                        JsonWebKeyECTypes.P521 => ECCurve.NamedCurves.nistP521,
                        _ => (ECCurve?)null,
                    };
                    if (curve is null)
                    {
                        return false;
                    }

                    using (var ecdsa = ECDsa.Create())
                    {
                        ecdsa.ImportParameters(new ECParameters
                        {
                            Curve = curve.Value,
                            Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(key.X), Y = Base64UrlEncoder.DecodeBytes(key.Y) },
                        });
                        return true;
                    }

                default:
                    return false;
            }
        }
        catch (Exception exception) when (exception is CryptographicException or FormatException or ArgumentException)
        {
            return false;
        }
    }
}
