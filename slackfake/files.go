package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// File is a file the bot uploaded with files.getUploadURLExternal, the
// upload URL and files.completeUploadExternal.
type File struct {
	ID, Name, Title, AltText, SnippetType string
	Length                                int // the length announced to getUploadURLExternal
	Content                               []byte
	Uploaded, Completed                   bool
	Channel, ThreadTS, InitialComment     string
}

// Files are the files the bot started uploading, in order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	for _, id := range s.fileOrder {
		f := *s.files[id]
		f.Content = slices.Clone(f.Content)
		out = append(out, f)
	}
	return out
}

func (s *Server) filesGetUploadURLLocked(p params) (map[string]any, *apiErr) {
	name := p["filename"]
	length, err := strconv.Atoi(p["length"])
	if name == "" || err != nil || length <= 0 {
		return nil, invalidArguments([]string{"filename and a positive length are required"})
	}
	f := &File{ID: s.nextIDLocked("F"), Name: name, Length: length, AltText: p["alt_txt"], SnippetType: p["snippet_type"]}
	s.files[f.ID] = f
	s.fileOrder = append(s.fileOrder, f.ID)
	return map[string]any{"ok": true, "upload_url": s.srv.URL + "/upload/" + f.ID, "file_id": f.ID}, nil
}

// handleUpload is the upload URL: a multipart POST (field "file") or a raw
// body.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	var content []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var f io.ReadCloser
		f, _, err = r.FormFile("file")
		if err == nil {
			content, err = io.ReadAll(io.LimitReader(f, 64<<20))
			_ = f.Close()
		}
	} else {
		content, err = io.ReadAll(io.LimitReader(r.Body, 64<<20))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	call := APICall{Method: "files.upload", Params: map[string]string{"file_id": id}, At: s.now()}
	f, ok := s.files[id]
	switch {
	case !ok || r.Method != http.MethodPost:
		call.Error = "not_found"
		s.calls = append(s.calls, call)
		http.Error(w, "not found", http.StatusNotFound)
		return
	case err != nil:
		call.Error = "bad_request"
		s.calls = append(s.calls, call)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.Content, f.Uploaded = content, true
	if len(content) != f.Length {
		s.violationLocked("file %s: uploaded %d bytes, but getUploadURLExternal was told length %d", id, len(content), f.Length)
	}
	s.calls = append(s.calls, call)
	s.broadcastLocked()
	w.Header().Set("Content-Type", "text/plain")
	_, _ = fmt.Fprintf(w, "OK - %d", len(content))
}

func (s *Server) filesCompleteUploadLocked(p params) (map[string]any, *apiErr) {
	raw, ok := p.raw("files")
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if !ok || json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, invalidArguments([]string{"files must be a JSON array of {id, title}"})
	}
	var ch *channel
	if id := p["channel_id"]; id != "" {
		var e *apiErr
		if ch, e = s.resolveChannelLocked(id); e != nil {
			return nil, e
		}
		if !ch.botMember {
			return nil, errResp("not_in_channel")
		}
	}
	for _, it := range list {
		f, ok := s.files[it.ID]
		if !ok || !f.Uploaded {
			return nil, errResp("file_not_found")
		}
		if f.Completed {
			return nil, errResp("file_upload_already_completed")
		}
	}
	var out []any
	for _, it := range list {
		f := s.files[it.ID]
		f.Completed, f.Title = true, it.Title
		if f.Title == "" {
			f.Title = f.Name
		}
		f.ThreadTS, f.InitialComment = p["thread_ts"], p["initial_comment"]
		if ch != nil {
			f.Channel = ch.id
		}
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	s.broadcastLocked()
	return map[string]any{"ok": true, "files": out}, nil
}
