package shared

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// secretAlphabet is what every consumer of a generated secret accepts: RDS
// master passwords refuse /, @, " and spaces, ElastiCache AUTH tokens allow
// few specials, and URLs and shell lines need no escaping for these.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// GeneratedSecret returns a new random secret of n characters on every run of
// the program. A resource that stores it must ignore later changes to that
// input (pulumi.IgnoreChanges), so the value of its first creation is the
// one kept; consumers read it back from that resource's output, never from
// here. It is a Pulumi secret, so state and previews show it encrypted.
func GeneratedSecret(n int) pulumi.StringOutput {
	return pulumi.ToSecret(pulumi.String(RandomString(n))).(pulumi.StringOutput)
}

// RandomString returns n characters of secretAlphabet from crypto/rand.
func RandomString(n int) string {
	out := make([]byte, n)
	buf := make([]byte, n)
	for i := 0; i < n; {
		_, _ = rand.Read(buf) // never fails (it crashes the program instead)
		for _, b := range buf {
			// 248 is the largest multiple of 62 below 256: rejecting the
			// rest keeps every character equally likely.
			if b >= 248 || i == n {
				continue
			}
			out[i] = secretAlphabet[int(b)%len(secretAlphabet)]
			i++
		}
	}
	return string(out)
}

// GeneratedKey is GeneratedSecret for keys: n random bytes as lower-case hex.
func GeneratedKey(n int) pulumi.StringOutput {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return pulumi.ToSecret(pulumi.String(hex.EncodeToString(b))).(pulumi.StringOutput)
}
