package main

import (
	"time"

	"github.com/scalezero/scalezero/app/config"
)

// tune sets the login limits: with throttles off, only the hashing bound
// acts (the address and account limits are out of reach).
func tune(c *config.Config, throttles bool) {
	c.LoginHashWait = 2 * time.Second
	c.LoginAccountFailures, c.LoginAccountWindow = 10, 5*time.Minute
	c.LoginUntrustedFailures, c.LoginUntrustedWindow = 100, time.Hour
	c.LoginAddressAttempts, c.LoginAddressWindow = 60, time.Minute
	if !throttles {
		c.LoginAccountFailures, c.LoginAddressAttempts, c.LoginUntrustedFailures = 1<<30, 1<<30, 1<<30
	}
}
