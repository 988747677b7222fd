package http

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/jobs"
)

// uploadTypes are the pictures the avatar job takes.
var uploadTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true}

// jobView is a job as its owner sees it.
type jobView struct {
	app.Job
	OutputURL string `json:"output_url,omitempty"`
}

func view(j app.Job) jobView {
	v := jobView{Job: j}
	if j.State == app.JobDone {
		v.OutputURL = "/api/jobs/" + j.ID + "/output"
	}
	return v
}

// jobsEnabled answers 404 with the reason where the phase has no job tier.
func (s *Server) jobsEnabled(w http.ResponseWriter, r *http.Request) bool {
	if s.o.Jobs == nil {
		writeError(w, r, http.StatusNotFound, "jobs are not enabled here: the job tier (queue.url) comes with phase 8")
		return false
	}
	return true
}

// uploadAvatar takes a picture and queues the job that makes it an avatar:
// 202 with the job, which the client polls.
func (s *Server) uploadAvatar(w http.ResponseWriter, r *http.Request) {
	if !s.jobsEnabled(w, r) {
		return
	}
	ct := r.Header.Get("Content-Type")
	if !uploadTypes[ct] {
		writeError(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: allowed image/png, image/jpeg or image/gif", ct))
		return
	}
	tooBigMsg := fmt.Sprintf("picture larger than %d bytes", s.o.MaxUploadBytes)
	if r.ContentLength > s.o.MaxUploadBytes {
		s.tooLarge(w, r, r.Body, tooBigMsg)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.MaxUploadBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.tooLarge(w, r, r.Body, tooBigMsg)
		return
	case err != nil:
		writeError(w, r, http.StatusBadRequest, "the upload was cut short; send it again")
		return
	}
	if _, err := jobs.CheckImage(body, s.o.JobLimits.MaxDecoded); err != nil {
		writeError(w, r, http.StatusBadRequest, "picture: "+err.Error())
		return
	}
	if !s.allowUpload(w, r) {
		return
	}
	j, err := s.o.Jobs.Submit(r.Context(), currentUser(r), jobs.AvatarKind, ct, body)
	if err != nil {
		s.fail(w, r, "job queue", err)
		return
	}
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, view(j))
}

// allowUpload holds a user to a rate of uploads and a number of jobs not yet
// ended: each leaves a row and objects, and takes a worker's time.
func (s *Server) allowUpload(w http.ResponseWriter, r *http.Request) bool {
	l := s.o.JobLimits
	if !s.allowUser(w, r, "jobs:upload", l.Uploads) {
		return false
	}
	n, err := s.o.Jobs.Store.PendingJobs(r.Context(), currentUser(r))
	if err != nil {
		s.fail(w, r, "database", err)
		return false
	}
	if n >= l.MaxPending {
		setRetryAfter(w, 5*time.Second)
		writeError(w, r, http.StatusTooManyRequests, fmt.Sprintf("%d of your pictures are still being processed: allowed at most %d at once; try again when one is done", n, l.MaxPending))
		return false
	}
	return true
}

// ownJob reads the caller's job; anyone else's is "not found" too, as is
// an id that is not a job's (a UUID), which never reaches the database.
// Each lookup reads the primary, so a user has a budget of them.
func (s *Server) ownJob(w http.ResponseWriter, r *http.Request) (app.Job, bool) {
	if !s.jobsEnabled(w, r) || !s.allowUser(w, r, "jobs:lookup", s.o.JobLimits.Lookups) {
		return app.Job{}, false
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeError(w, r, http.StatusNotFound, "no such job")
		return app.Job{}, false
	}
	j, err := s.o.Jobs.Store.JobByID(r.Context(), id.String())
	switch {
	case errors.Is(err, app.ErrNotFound) || (err == nil && j.UserID != currentUser(r)):
		writeError(w, r, http.StatusNotFound, "no such job")
		return j, false
	case err != nil:
		s.fail(w, r, "database", err)
		return j, false
	}
	return j, true
}

func (s *Server) job(w http.ResponseWriter, r *http.Request) {
	if j, ok := s.ownJob(w, r); ok {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, view(j))
	}
}

func (s *Server) jobOutput(w http.ResponseWriter, r *http.Request) {
	j, ok := s.ownJob(w, r)
	if !ok {
		return
	}
	if j.State != app.JobDone {
		writeError(w, r, http.StatusConflict, fmt.Sprintf("the job is %s: its output exists once it is done", j.State))
		return
	}
	body, ct, err := s.o.Jobs.Output(r.Context(), j)
	if errors.Is(err, app.ErrNotFound) {
		// The bucket's lifecycle expired it before the row was swept.
		writeError(w, r, http.StatusNotFound, "the job's output has expired")
		return
	}
	if err != nil {
		s.fail(w, r, "jobs bucket", err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=3600") // a job's output never changes
	w.Write(body)
}
